// Embedding: a lookup table from token ids to learned vectors.
//
//   y[..., :] = W[ids[...], :]
//
//   ids (...)                        int32 or int64, each in [0, num_embeddings)
//   W   (num_embeddings, embedding_dim)
//   y   (..., embedding_dim)
//
// It equals one_hot(ids) @ W without building the one-hot matrix; the
// backward pass adds each position's gradient into the row it read.
// Initialization is PyTorch's: W ~ N(0, 1).
//
// padding_idx (PyTorch's nn.Embedding): the row of the padding token starts at
// zero and is never trained. Positions holding that id still return the row
// (zero unless the user changed it), but their gradient is cut before it
// reaches the table: the output is where(id != pad, rows, rows.detach()), so
// the padded positions take their values from a copy outside the graph. That
// keeps the forward values exactly PyTorch's and costs one select over the
// output, instead of masking the whole (num_embeddings, dim) table each step
// or editing .grad after backward (which every optimizer would have to know about).
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

class Embedding : public Module {
 public:
  static constexpr std::int64_t kNoPadding = -1;

  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, std::int64_t padding_idx = kNoPadding,
            Generator& gen = default_generator(), DType dtype = DType::Float32);

  Tensor forward(const Tensor& ids) override;  // ids (...) -> (..., embedding_dim)

  std::int64_t num_embeddings;
  std::int64_t embedding_dim;
  std::int64_t padding_idx;
  Tensor weight;  // (num_embeddings, embedding_dim)
};

}  // namespace heed
