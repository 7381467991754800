#include "data/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "tensor/ops.h"

namespace heed::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; heed reads and writes it as it lies in memory");

using Json = nlohmann::ordered_json;  // keeps keys in file order: the reference writes them in layout order

// The reference refuses larger headers, and so a corrupt length cannot make us allocate gigabytes.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

struct DTypeCode {
  DType dtype;
  const char* code;
};
// Ordered as the reference writer lays tensors out: descending position in its
// dtype enum (..., I32, U32, F32, F64, I64, U64), i.e. I64, F64, F32, I32.
constexpr DTypeCode kDTypeCodes[] = {
    {DType::Int64, "I64"}, {DType::Float64, "F64"}, {DType::Float32, "F32"}, {DType::Int32, "I32"}};

int layout_rank(DType dtype) {
  for (int i = 0; i < 4; ++i)
    if (kDTypeCodes[i].dtype == dtype) return i;
  return 4;
}
const char* dtype_code(DType dtype) { return kDTypeCodes[layout_rank(dtype)].code; }

// ---- Writing.

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string system_error() { return std::strerror(errno); }

void write_bytes(std::FILE* file, const void* data, std::size_t size, const std::string& path) {
  HEED_CHECK(size == 0 || std::fwrite(data, 1, size, file) == size, "save_safetensors: writing '", path,
             "' failed: ", system_error());
}

// Makes a finished rename durable: the new directory entry is on disk once the directory is synced.
void sync_directory(const std::filesystem::path& file_path) {
  const std::filesystem::path dir = file_path.has_parent_path() ? file_path.parent_path() : ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // some filesystems do not let a directory be opened; the rename stands anyway
  ::fsync(fd);
  ::close(fd);
}

// ---- Reading.

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  detail::fail("load_safetensors: '", path, "' is not a valid safetensors file: ", what);
}

std::uint64_t read_offset(const Json& value, const std::string& path, const std::string& name) {
  if (!value.is_number_unsigned()) corrupt(path, "tensor '" + name + "' has a data offset that is not an unsigned integer");
  return value.get<std::uint64_t>();
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin, end;
};

Entry parse_entry(const std::string& name, const Json& info, const std::string& path) {
  if (!info.is_object()) corrupt(path, "the header entry of tensor '" + name + "' is not a JSON object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!info.contains(field)) corrupt(path, "tensor '" + name + "' has no \"" + field + "\"");
  const Json& dtype = info["dtype"];
  if (!dtype.is_string()) corrupt(path, "tensor '" + name + "' has a dtype that is not a string");
  Entry entry{name, DType::Float32, {}, 0, 0};
  bool known = false;
  for (const auto& [d, code] : kDTypeCodes)
    if (dtype.get<std::string>() == code) entry.dtype = d, known = true;
  if (!known)
    corrupt(path, "tensor '" + name + "' has dtype '" + dtype.get<std::string>() +
                      "', which heed does not know; expected F32, F64, I32 or I64 (convert the tensor before saving)");
  const Json& shape = info["shape"];
  if (!shape.is_array()) corrupt(path, "tensor '" + name + "' has a shape that is not a JSON array");
  std::uint64_t nbytes = dtype_size(entry.dtype);
  for (const Json& size : shape) {
    if (!size.is_number_unsigned() || size.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      corrupt(path, "tensor '" + name + "' has shape " + shape.dump() + "; expected non-negative integers");
    const std::uint64_t n = size.get<std::uint64_t>();
    if (n != 0 && nbytes > std::numeric_limits<std::uint64_t>::max() / n)
      corrupt(path, "tensor '" + name + "' has shape " + shape.dump() + ", too large to address");
    nbytes *= n;
    entry.shape.push_back(static_cast<std::int64_t>(n));
  }
  const Json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    corrupt(path, "tensor '" + name + "' has data_offsets " + offsets.dump() + "; expected [begin, end]");
  entry.begin = read_offset(offsets[0], path, name);
  entry.end = read_offset(offsets[1], path, name);
  if (entry.end < entry.begin)
    corrupt(path, "tensor '" + name + "' has data_offsets " + offsets.dump() + ", which end before they begin");
  if (entry.end - entry.begin != nbytes)
    corrupt(path, "tensor '" + name + "' has data_offsets " + offsets.dump() + " spanning " +
                      std::to_string(entry.end - entry.begin) + " bytes, but its shape " + shape.dump() + " of " +
                      dtype.get<std::string>() + " needs " + std::to_string(nbytes));
  return entry;
}

Json parse_header(const std::string& header, const std::string& path) {
  // JSON text holds no NUL byte, and the parser would stop at one and take the rest for padding.
  if (const std::size_t nul = header.find('\0'); nul != std::string::npos)
    corrupt(path, "the header holds a NUL byte at offset " + std::to_string(nul) + " (JSON text has none)");
  // Duplicate keys would silently replace each other; the callback sees every key and refuses repeats.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto on_event = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == Json::parse_event_t::object_end) open_objects.pop_back();
    if (event == Json::parse_event_t::key && !open_objects.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  Json json;
  try {
    json = Json::parse(header, on_event);
  } catch (const Json::exception& e) {
    corrupt(path, std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!duplicate.empty()) corrupt(path, "the header names '" + duplicate + "' twice");
  if (!json.is_object()) corrupt(path, "the header is " + std::string(json.type_name()) + ", expected a JSON object");
  return json;
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  std::set<std::string> names;
  for (const auto& [name, tensor] : tensors) {
    HEED_CHECK(!name.empty() && name != "__metadata__", "save_safetensors: '", path, "': invalid tensor name '", name,
               "'; names must be non-empty and not __metadata__");
    HEED_CHECK(names.insert(name).second, "save_safetensors: '", path, "': tensor name '", name, "' appears twice");
    HEED_CHECK(tensor.defined(), "save_safetensors: '", path, "': tensor '", name, "' is undefined");
  }
  // The reference writer's order: descending dtype, then name.
  std::vector<std::size_t> order(tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int rank_a = layout_rank(tensors[a].second.dtype()), rank_b = layout_rank(tensors[b].second.dtype());
    return rank_a != rank_b ? rank_a < rank_b : tensors[a].first < tensors[b].first;
  });

  Json header = Json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const std::size_t i : order) {
    const Tensor& t = tensors[i].second;
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[tensors[i].first] = {{"dtype", dtype_code(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // the reference aligns the data section to 8 bytes
  const std::uint64_t header_length = header_text.size();

  const std::string temp_path = path + ".tmp";
  File file(std::fopen(temp_path.c_str(), "wb"));
  HEED_CHECK(file, "save_safetensors: cannot write '", path, "': opening the temporary file '", temp_path,
             "' failed: ", system_error(), "; check that the directory exists and is writable");
  try {
    write_bytes(file.get(), &header_length, 8, path);
    write_bytes(file.get(), header_text.data(), header_text.size(), path);
    for (const std::size_t i : order) {
      const Tensor host = ops::contiguous(ops::to(tensors[i].second, kCPU));  // (same shape) row-major on the host
      write_bytes(file.get(), host.raw_data(), static_cast<std::size_t>(host.numel()) * dtype_size(host.dtype()), path);
    }
    HEED_CHECK(std::fflush(file.get()) == 0 && ::fsync(::fileno(file.get())) == 0, "save_safetensors: flushing '",
               temp_path, "' to disk failed: ", system_error());
    HEED_CHECK(std::fclose(file.release()) == 0, "save_safetensors: closing '", temp_path, "' failed: ", system_error());
    HEED_CHECK(std::rename(temp_path.c_str(), path.c_str()) == 0, "save_safetensors: renaming '", temp_path, "' to '",
               path, "' failed: ", system_error());
  } catch (...) {
    file.reset();
    std::remove(temp_path.c_str());  // the previous file at `path` was never touched
    throw;
  }
  sync_directory(path);
}

SafetensorsContents load_safetensors(const std::string& path) {
  File file(std::fopen(path.c_str(), "rb"));
  HEED_CHECK(file, "load_safetensors: cannot open '", path, "': ", system_error());
  std::error_code error;
  const std::uint64_t file_size = std::filesystem::file_size(path, error);
  HEED_CHECK(!error, "load_safetensors: cannot read the size of '", path, "': ", error.message());
  if (file_size < 8)
    corrupt(path, "the file has " + std::to_string(file_size) + " bytes, fewer than the 8 of the header length");

  std::uint64_t header_length = 0;
  auto read = [&](void* into, std::uint64_t size, const char* what) {
    if (size != 0 && std::fread(into, 1, size, file.get()) != size)
      corrupt(path, std::string("reading ") + what + " failed (" + system_error() + ")");
  };
  read(&header_length, 8, "the header length");
  if (header_length > file_size - 8)
    corrupt(path, "the header length " + std::to_string(header_length) + " goes past the end of the file (" +
                      std::to_string(file_size) + " bytes)");
  if (header_length > kMaxHeaderBytes)
    corrupt(path, "the header length " + std::to_string(header_length) + " exceeds the format's limit of " +
                      std::to_string(kMaxHeaderBytes) + " bytes");
  std::string header_text(header_length, '\0');
  read(header_text.data(), header_length, "the header");
  const Json header = parse_header(header_text, path);

  SafetensorsContents contents;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) corrupt(path, "__metadata__ is not a JSON object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string()) corrupt(path, "__metadata__ value of '" + key + "' is not a string");
        contents.metadata[key] = text.get<std::string>();
      }
    } else {
      entries.push_back(parse_entry(name, value, path));
    }
  }

  // The tensors must tile the data section: sorted by position, each begins where the previous ended.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  const std::uint64_t data_size = file_size - 8 - header_length;
  std::uint64_t expected_begin = 0;
  std::string previous = "the start of the data section";
  for (const Entry& e : entries) {
    const std::string where = "tensor '" + e.name + "' at data_offsets [" + std::to_string(e.begin) + ", " +
                              std::to_string(e.end) + "]";
    if (e.end > data_size)
      corrupt(path, where + " ends past the data section of " + std::to_string(data_size) + " bytes");
    if (e.begin < expected_begin) corrupt(path, where + " overlaps " + previous);
    if (e.begin > expected_begin)
      corrupt(path, where + " leaves a gap of " + std::to_string(e.begin - expected_begin) + " bytes after " + previous);
    expected_begin = e.end;
    previous = "tensor '" + e.name + "'";
  }
  if (expected_begin != data_size)
    corrupt(path, std::to_string(data_size - expected_begin) + " bytes of trailing garbage after " + previous);

  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, e.dtype);
    read(t.raw_data(), e.end - e.begin, ("the data of tensor '" + e.name + "'").c_str());
    contents.tensors.emplace_back(e.name, t);
  }
  return contents;
}

}  // namespace heed::io
