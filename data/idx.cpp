#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>

#include "tensor/error.h"

namespace heed::data {
namespace {

bool is_known_type(std::uint8_t byte) {
  return byte == 0x08 || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0x0D || byte == 0x0E;
}

std::string hex_byte(std::uint8_t byte) {
  const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[byte >> 4] + digits[byte & 0xF];
}

std::vector<std::uint8_t> read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HEED_CHECK(in.good(), "read_idx: cannot open '", path, "'; check that the file exists and is readable");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  HEED_CHECK(in.good() || size == 0, "read_idx: reading '", path, "' failed");
  return bytes;
}

std::vector<std::uint8_t> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  HEED_CHECK(file != nullptr, "read_idx: cannot open '", path, "'; check that the file exists and is readable");
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> chunk(1 << 20);
  int got = 0;
  while ((got = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
  }
  if (got < 0) {
    int code = 0;
    const std::string reason = gzerror(file, &code);
    gzclose(file);
    detail::fail("read_idx: '", path, "' is not a valid gzip file (", reason, "); is it truncated? download it again");
  }
  gzclose(file);
  return bytes;
}

bool starts_with_gzip_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HEED_CHECK(in.good(), "read_idx: cannot open '", path, "'; check that the file exists and is readable");
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  return in.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

std::uint32_t read_big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

template <typename In>
In element_at(const std::uint8_t* bytes, std::int64_t i) {
  In value;
  std::memcpy(&value, bytes + i * static_cast<std::int64_t>(sizeof(In)), sizeof(In));
  return value;
}

template <typename Out, typename In>
void convert_elements(const IdxArray& array, Out* out) {
  const std::int64_t n = array.numel();
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<Out>(element_at<In>(array.bytes.data(), i));
}

}  // namespace

std::string_view idx_type_name(IdxType type) {
  switch (type) {
    case IdxType::UInt8: return "uint8";
    case IdxType::Int8: return "int8";
    case IdxType::Int16: return "int16";
    case IdxType::Int32: return "int32";
    case IdxType::Float32: return "float32";
    case IdxType::Float64: return "float64";
  }
  return "?";
}

std::int64_t idx_type_size(IdxType type) {
  switch (type) {
    case IdxType::UInt8:
    case IdxType::Int8: return 1;
    case IdxType::Int16: return 2;
    case IdxType::Int32:
    case IdxType::Float32: return 4;
    case IdxType::Float64: return 8;
  }
  return 0;
}

IdxArray read_idx(const std::string& path, int expected_rank) {
  std::vector<std::uint8_t> file = starts_with_gzip_magic(path) ? read_gzip(path) : read_plain(path);
  const auto file_size = static_cast<std::int64_t>(file.size());

  HEED_CHECK(file_size >= 4, "read_idx: '", path, "' is ", file_size, " bytes long, too short for an IDX header");
  HEED_CHECK(file[0] == 0 && file[1] == 0, "read_idx: '", path, "' has a bad magic number: it starts with ",
             hex_byte(file[0]), " ", hex_byte(file[1]), ", an IDX file with 0x00 0x00; is it an IDX file?");
  HEED_CHECK(is_known_type(file[2]), "read_idx: '", path, "' has unknown element type ", hex_byte(file[2]),
             "; IDX types are 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64");
  IdxArray array;
  array.type = static_cast<IdxType>(file[2]);
  const int rank = file[3];
  HEED_CHECK(rank >= 1, "read_idx: '", path, "' declares 0 dimensions; expected at least 1");
  HEED_CHECK(expected_rank == 0 || rank == expected_rank, "read_idx: '", path, "' has ", rank,
             " dimensions; expected ", expected_rank, " (is it the images file where labels were expected, or "
             "the other way round?)");
  const std::int64_t header_size = 4 + 4 * static_cast<std::int64_t>(rank);
  HEED_CHECK(file_size >= header_size, "read_idx: '", path, "' is truncated inside its header: ", rank,
             " dimensions need ", header_size, " bytes, the file has ", file_size);

  // Sizes multiply into the byte count; stop before it could overflow (a corrupt header).
  const std::int64_t element_size = idx_type_size(array.type);
  std::int64_t expected_bytes = element_size;
  for (int d = 0; d < rank; ++d) {
    const std::int64_t size = read_big_endian_u32(&file[static_cast<std::size_t>(4 + 4 * d)]);
    HEED_CHECK(size == 0 || expected_bytes <= (std::int64_t{1} << 50) / size, "read_idx: '", path,
               "' declares dimension sizes too large to be real; the header is corrupt");
    array.dims.push_back(size);
    expected_bytes *= size;
  }
  const std::int64_t found_bytes = file_size - header_size;
  HEED_CHECK(found_bytes == expected_bytes, "read_idx: '", path, "' with dims ", shape_str(array.dims), " of ",
             idx_type_name(array.type), ": expected ", expected_bytes, " bytes of data, found ", found_bytes,
             found_bytes < expected_bytes ? " (the file is truncated; download it again)"
                                          : " (extra bytes at the end)");

  array.bytes.assign(file.begin() + header_size, file.end());
  if (element_size > 1 && std::endian::native == std::endian::little) {
    for (auto element = array.bytes.begin(); element != array.bytes.end(); element += element_size) {
      std::reverse(element, element + element_size);
    }
  }
  return array;
}

Tensor idx_to_tensor(const IdxArray& array, DType dtype) {
  Tensor tensor = empty(array.dims, dtype);
  dispatch(dtype, [&]<typename Out>() {
    Out* out = tensor.data<Out>();
    switch (array.type) {
      case IdxType::UInt8: convert_elements<Out, std::uint8_t>(array, out); break;
      case IdxType::Int8: convert_elements<Out, std::int8_t>(array, out); break;
      case IdxType::Int16: convert_elements<Out, std::int16_t>(array, out); break;
      case IdxType::Int32: convert_elements<Out, std::int32_t>(array, out); break;
      case IdxType::Float32: convert_elements<Out, float>(array, out); break;
      case IdxType::Float64: convert_elements<Out, double>(array, out); break;
    }
  });
  return tensor;
}

Tensor read_idx_tensor(const std::string& path, DType dtype, int expected_rank) {
  return idx_to_tensor(read_idx(path, expected_rank), dtype);
}

}  // namespace heed::data
