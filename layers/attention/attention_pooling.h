// AttentionPooling: a learned context vector attends over a sequence and averages it into one vector.
//
//   u_t = tanh(W h_t + b)                   a hidden representation of each element
//   a_t = softmax_t(u_t . u_w)              over the real elements only (masked ones get -inf)
//   out = sum_t a_t h_t
//
//   h     (B, T, D)   the sequence: a sentence's word states, a document's sentence states,
//                     an image's flattened feature map
//   mask  (B, T)      1 for a real element, 0 for padding; undefined means every element is real
//   W     (A, D)      proj.weight        b (A)  proj.bias
//   u_w   (A)         context: the learned query, "which element is informative?"
//   out   (B, D)      weights a (B, T), each row summing to 1 over its real elements
//
// It is additive attention (layers/attention/additive.h) whose query is not a decoder state but a
// parameter shared by every sequence, so it needs no query input: a "smart" pooling that replaces
// mean or max pooling. A row whose elements are all masked gets zero weights and a zero output,
// never NaN (heed's softmax turns an all -inf row into zeros). The same layer is the word and the
// sentence attention of the hierarchical attention network (layers/models/han.h), and the
// `attention-pool` vision module (CATALOG.md, V8) over feature-map positions.
// Yang, Yang, Dyer, He, Smola & Hovy 2016, "Hierarchical Attention Networks for Document
// Classification", NAACL (section 2.2, equations 5-7 and 8-10).
#pragma once

#include <cstdint>
#include <memory>

#include "layers/linear.h"
#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

struct PoolingResult {
  Tensor output;   // (B, D)
  Tensor weights;  // (B, T), 0 at masked elements
};

class AttentionPooling : public Module {
 public:
  // input_dim D, attn_dim A (0 means A = D).
  AttentionPooling(std::int64_t input_dim, std::int64_t attn_dim = 0, Generator& gen = default_generator(),
                   DType dtype = DType::Float32);

  PoolingResult pool(const Tensor& sequence, const Tensor& mask = Tensor());
  Tensor forward(const Tensor& sequence) override { return pool(sequence).output; }  // (B, T, D) -> (B, D)

  std::int64_t input_dim;
  std::int64_t attn_dim;
  std::shared_ptr<Linear> proj;  // W (A, D), b (A)
  Tensor context;                // u_w (A)
};

// The baseline it replaces: the plain average over the real elements, as a PoolingResult whose
// weights are 1/count over the real elements (zero output and weights for a fully masked row).
PoolingResult masked_mean_pooling(const Tensor& sequence, const Tensor& mask = Tensor());

}  // namespace heed
