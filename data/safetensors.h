// safetensors: the file format of heed's checkpoints, byte-compatible with the
// reference implementation (the `safetensors` Python/Rust package), so a file
// heed writes loads in PyTorch and the other way round.
//
// Layout of a file:
//   bytes [0, 8)        N, the header length, unsigned 64-bit little-endian
//   bytes [8, 8 + N)    the header: UTF-8 JSON, padded with spaces to a multiple of 8
//                         {"__metadata__": {"key": "value", ...},
//                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...}
//   bytes [8 + N, end)  the data section: each tensor's elements in row-major order,
//                       little-endian, at [b, e) relative to the section's start;
//                       the tensors tile the section exactly, with no gaps or overlaps
// dtype is one of F32, F64, I32, I64 here (the format has more; heed has these).
// A 0-d tensor has shape [] and one element.
//
// The writer does what the reference writer does, so equal inputs give equal
// bytes: tensors are laid out by descending dtype (I64, F64, F32, I32: the
// reference sorts by its dtype enum, largest first) and then by name; the JSON
// has no spaces; "__metadata__" comes first and is left out when empty (the
// reference's metadata=None). One difference: the reference writes metadata
// keys in hash-map order, which changes from run to run; heed sorts them.
//
// Writing never destroys the previous file: the bytes go to `path + ".tmp"`,
// which is flushed and fsync'ed, then renamed over `path` (atomic on POSIX),
// and the directory is fsync'ed so the rename itself survives a power loss.
// A crash at any moment leaves either the old file or the new one.
//
// Loading checks everything and refuses a damaged file with a heed::Error that
// names the file and the fault (too short, header length past the end, invalid
// JSON or a NUL byte in the header, unknown dtype, offsets out of range,
// overlapping, leaving gaps or not matching shape x dtype size, bytes after the
// last tensor).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace heed::io {

// The same type as heed::NamedTensors (layers/module.h), spelled here because
// data/ depends on tensor/ only.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;

struct SafetensorsContents {
  NamedTensors tensors;  // CPU tensors, in the order of the data section
  Metadata metadata;
};

// Tensors may live on any device and have any strides; names must be unique,
// non-empty and not "__metadata__".
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});
SafetensorsContents load_safetensors(const std::string& path);

}  // namespace heed::io
