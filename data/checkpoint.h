// Checkpoint: everything a training run needs to resume exactly, in ONE
// safetensors file (data/safetensors.h), so a crash between two files can
// never pair a model with the wrong optimizer state.
//
// Keys of the file:
//   model.<name>                  the model's state_dict (Module::state_dict names)
//   optimizer.<name>              the optimizer's state_dict (optim/optimizer.h names)
//   trainer.step                  ()  I64   updates done so far
//   trainer.epoch                 ()  I64   epochs done so far
//   trainer.generator.state       (4) I64   the xoshiro256** words (tensor/random.h),
//                                           uint64 bit patterns stored as int64
//   trainer.generator.has_spare   ()  I64   0 or 1: a cached second normal draw
//   trainer.generator.spare       ()  F64   that draw (bit-exact)
// and in the header's __metadata__: "heed.format" = "checkpoint-2", "heed.crc32"
// (a CRC-32 of every name, dtype, shape, byte and metadata string, so a flipped
// bit is refused rather than trained on), plus the `extra` strings (run name,
// config JSON, ...); keys starting "heed." are reserved. Files of the earlier
// "checkpoint-1" format, which had no checksum, still load.
//
// Since the file is plain safetensors, a model can be read from it elsewhere:
//   safetensors.torch.load_file(path) -> {"model.encoder...": tensor, ...}
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "data/safetensors.h"
#include "tensor/random.h"

namespace heed::io {

struct Checkpoint {
  NamedTensors model;
  NamedTensors optimizer;
  std::int64_t step = 0;
  std::int64_t epoch = 0;
  Generator::State generator;
  std::map<std::string, std::string> extra;
};

// Written crash-safely: the previous file at `path` survives a failed write.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Refuses, naming the file, files that are not heed checkpoints, that fail their checksum
// (damaged after they were written) or that miss trainer entries.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace heed::io
