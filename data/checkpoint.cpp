#include "data/checkpoint.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <vector>

#include "tensor/ops.h"

namespace heed::io {
namespace {

constexpr const char* kFormatKey = "heed.format";
constexpr const char* kFormat = "checkpoint-2";
constexpr const char* kUncheckedFormat = "checkpoint-1";  // before checksums; still read
constexpr const char* kChecksumKey = "heed.crc32";

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// CRC-32 of everything the file says: each tensor's name, dtype, shape and
// bytes, in name order, then every metadata key and value but the checksum's
// own. A flipped bit anywhere the safetensors checks cannot see (a value in the
// data, a letter of a name, a digit of the config) changes it.
std::string checksum(const NamedTensors& tensors, const Metadata& metadata) {
  std::vector<const std::pair<std::string, Tensor>*> sorted;
  for (const auto& entry : tensors) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  uLong crc = crc32(0L, Z_NULL, 0);
  auto add = [&crc](const void* bytes, std::size_t n) {
    for (std::size_t done = 0; done < n;) {  // zlib takes a uInt length
      const std::size_t part = std::min<std::size_t>(n - done, 1u << 30);
      crc = crc32(crc, static_cast<const Bytef*>(bytes) + done, static_cast<uInt>(part));
      done += part;
    }
  };
  auto add_text = [&add](const std::string& text) { add(text.c_str(), text.size() + 1); };  // with its NUL
  for (const auto* entry : sorted) {
    const Tensor host = ops::contiguous(ops::to(entry->second, kCPU));
    add_text(entry->first);
    add_text(std::string(dtype_name(host.dtype())) + shape_str(host.shape()));
    add(host.raw_data(), static_cast<std::size_t>(host.numel()) * dtype_size(host.dtype()));
  }
  for (const auto& [key, value] : metadata) {
    if (key == kChecksumKey) continue;
    add_text(key);
    add_text(value);
  }
  return std::to_string(crc);
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  NamedTensors tensors;
  for (const auto& [name, t] : checkpoint.model) tensors.emplace_back("model." + name, t);
  for (const auto& [name, t] : checkpoint.optimizer) tensors.emplace_back("optimizer." + name, t);
  std::vector<std::int64_t> words;
  for (const std::uint64_t word : checkpoint.generator.s) words.push_back(std::bit_cast<std::int64_t>(word));
  // from_vector, not scalar_tensor: a count passed through a double could lose bits past 2^53.
  auto int64_scalar = [](std::int64_t value) { return from_vector(std::vector<std::int64_t>{value}, {}); };
  tensors.emplace_back("trainer.step", int64_scalar(checkpoint.step));
  tensors.emplace_back("trainer.epoch", int64_scalar(checkpoint.epoch));
  tensors.emplace_back("trainer.generator.state", from_vector(words, {4}));
  tensors.emplace_back("trainer.generator.has_spare", int64_scalar(checkpoint.generator.has_spare ? 1 : 0));
  tensors.emplace_back("trainer.generator.spare", from_vector(std::vector<double>{checkpoint.generator.spare}, {}));

  Metadata metadata = checkpoint.extra;
  for (const auto& [key, _] : metadata)
    HEED_CHECK(!starts_with(key, "heed."), "save_checkpoint: '", path, "': extra key '", key,
               "' is reserved (keys starting with 'heed.' belong to the format); rename it");
  metadata[kFormatKey] = kFormat;
  metadata[kChecksumKey] = checksum(tensors, metadata);
  save_safetensors(path, tensors, metadata);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafetensorsContents contents = load_safetensors(path);
  const auto format = contents.metadata.find(kFormatKey);
  const std::string found_format = format == contents.metadata.end() ? "" : format->second;
  HEED_CHECK(found_format == kFormat || found_format == kUncheckedFormat, "load_checkpoint: '", path,
             "' is not a heed checkpoint (its metadata has ", kFormatKey, " = '", found_format, "', expected '",
             kFormat, "'); a plain safetensors file loads with load_safetensors");
  if (found_format == kFormat) {
    const auto stored = contents.metadata.find(kChecksumKey);
    HEED_CHECK(stored != contents.metadata.end(), "load_checkpoint: '", path, "' is damaged: it has no ",
               kChecksumKey, " checksum; load an earlier checkpoint");
    const std::string computed = checksum(contents.tensors, contents.metadata);
    HEED_CHECK(stored->second == computed, "load_checkpoint: '", path, "' is damaged: its contents do not match "
               "the checksum written with them (", kChecksumKey, " ", stored->second, ", computed ", computed,
               "); the file was changed or corrupted after it was saved; load an earlier checkpoint");
    contents.metadata.erase(stored);
  }
  contents.metadata.erase(kFormatKey);

  Checkpoint checkpoint;
  checkpoint.extra = std::move(contents.metadata);
  std::map<std::string, Tensor> trainer;
  for (auto& [name, t] : contents.tensors) {
    if (starts_with(name, "model.")) checkpoint.model.emplace_back(name.substr(6), t);
    else if (starts_with(name, "optimizer.")) checkpoint.optimizer.emplace_back(name.substr(10), t);
    else if (starts_with(name, "trainer.")) trainer[name] = t;
    else detail::fail("load_checkpoint: '", path, "' has tensor '", name,
                      "', outside the model., optimizer. and trainer. groups of a checkpoint");
  }
  // Each trainer entry with the dtype and shape the layout fixes.
  auto entry = [&](const std::string& name, DType dtype, const Shape& shape) -> const Tensor& {
    const auto found = trainer.find(name);
    HEED_CHECK(found != trainer.end(), "load_checkpoint: '", path, "' has no '", name, "'");
    HEED_CHECK(found->second.dtype() == dtype && found->second.shape() == shape, "load_checkpoint: '", path, "': '",
               name, "' is ", shape_str(found->second.shape()), " ", dtype_name(found->second.dtype()), ", expected ",
               shape_str(shape), " ", dtype_name(dtype));
    return found->second;
  };
  checkpoint.step = entry("trainer.step", DType::Int64, {}).data<std::int64_t>()[0];
  checkpoint.epoch = entry("trainer.epoch", DType::Int64, {}).data<std::int64_t>()[0];
  const std::int64_t* words = entry("trainer.generator.state", DType::Int64, {4}).data<std::int64_t>();
  for (int i = 0; i < 4; ++i) checkpoint.generator.s[i] = std::bit_cast<std::uint64_t>(words[i]);
  const std::int64_t has_spare = entry("trainer.generator.has_spare", DType::Int64, {}).data<std::int64_t>()[0];
  HEED_CHECK(has_spare == 0 || has_spare == 1, "load_checkpoint: '", path, "': trainer.generator.has_spare is ",
             has_spare, ", expected 0 or 1");
  checkpoint.generator.has_spare = has_spare == 1;
  checkpoint.generator.spare = entry("trainer.generator.spare", DType::Float64, {}).data<double>()[0];
  HEED_CHECK(trainer.size() == 5, "load_checkpoint: '", path, "' has ", trainer.size(),
             " trainer.* tensors, expected the 5 of format ", kFormat);
  return checkpoint;
}

}  // namespace heed::io
