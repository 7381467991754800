// The IDX file format, in which MNIST and Fashion-MNIST are distributed.
//
//   bytes 0-1  0x00 0x00
//   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3    rank, the number of dimensions
//   then       rank sizes, each a big-endian uint32 (e.g. 60000, 28, 28 for the images)
//   then       the elements in row-major order, multi-byte types big-endian
// Files may be gzipped (they are in the Debian package); read_idx recognises gzip by its magic
// bytes 0x1f 0x8b and inflates it with zlib. Every check names the file: a bad magic, an unknown
// type, a rank other than the caller expects, or data shorter or longer than the sizes say.
//
// heed has no uint8 dtype, so read_idx returns the raw elements (IdxArray) and idx_to_tensor
// converts them to a tensor of the dtype the caller wants: float32 images with values 0..255,
// int64 labels.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace heed::data {

enum class IdxType : std::uint8_t {
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E,
};
std::string_view idx_type_name(IdxType type);
std::int64_t idx_type_size(IdxType type);  // bytes per element

struct IdxArray {
  IdxType type = IdxType::UInt8;
  Shape dims;
  std::vector<std::uint8_t> bytes;  // the elements, row-major, already in the host's byte order
  std::int64_t numel() const { return numel_of(dims); }
};

// expected_rank 0 accepts any rank.
IdxArray read_idx(const std::string& path, int expected_rank = 0);
Tensor idx_to_tensor(const IdxArray& array, DType dtype = DType::Float32);  // values converted, not scaled
Tensor read_idx_tensor(const std::string& path, DType dtype = DType::Float32, int expected_rank = 0);

}  // namespace heed::data
