#include "layers/attention/attention_pooling.h"

#include <cmath>
#include <limits>
#include <string>

#include "layers/init.h"

namespace heed {
namespace {

void check_sequence(const char* op, const Tensor& sequence, const Tensor& mask, std::int64_t input_dim) {
  HEED_CHECK(sequence.dim() == 3 && (input_dim == 0 || sequence.size(2) == input_dim), op, ": input has shape ",
             shape_str(sequence.shape()), "; expected (batch, length, ",
             input_dim == 0 ? std::string("features") : std::to_string(input_dim), ")");
  const Shape mask_shape{sequence.size(0), sequence.size(1)};
  HEED_CHECK(!mask.defined() || mask.shape() == mask_shape, op, ": mask has shape ", shape_str(mask.shape()),
             "; expected ", shape_str(mask_shape), " for input ", shape_str(sequence.shape()),
             " (1 real, 0 padding)");
}

// weights (B, T) @ sequence (B, T, D) -> (B, D)
Tensor weighted_sum(const Tensor& weights, const Tensor& sequence) {
  return squeeze(matmul(unsqueeze(weights, 1), sequence), 1);  // (B, 1, T) @ (B, T, D) -> (B, D)
}

}  // namespace

AttentionPooling::AttentionPooling(std::int64_t input, std::int64_t attn, Generator& gen, DType dtype)
    : Module("AttentionPooling"), input_dim(input), attn_dim(attn > 0 ? attn : input) {
  HEED_CHECK(input_dim > 0 && attn >= 0, "AttentionPooling: input_dim ", input_dim, " and attn_dim ", attn,
             " are invalid; expected input_dim > 0 and attn_dim >= 0 (0: the same as input_dim)");
  proj = register_module("proj", std::make_shared<Linear>(input_dim, attn_dim, true, gen, dtype));
  // As a Linear(A -> 1) would be: U(-1/sqrt(A), 1/sqrt(A)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(attn_dim));
  context = register_parameter("context", uniform_(empty({attn_dim}, dtype), -bound, bound, gen));
}

PoolingResult AttentionPooling::pool(const Tensor& sequence, const Tensor& mask) {
  check_sequence("AttentionPooling", sequence, mask, input_dim);
  const Tensor hidden = tanh(proj->forward(sequence));  // u (B, T, A)
  Tensor scores = matmul(hidden, context);              // u . u_w (B, T)
  if (mask.defined())
    scores = where(mask, scores, scalar_tensor(-std::numeric_limits<double>::infinity(), scores.dtype(),
                                               scores.device()));
  const Tensor weights = softmax(scores, -1);  // (B, T); an all -inf row gives zeros
  return {weighted_sum(weights, sequence), weights};
}

PoolingResult masked_mean_pooling(const Tensor& sequence, const Tensor& mask) {
  check_sequence("masked_mean_pooling", sequence, mask, 0);
  const std::int64_t batch = sequence.size(0), length = sequence.size(1);
  Tensor weights;  // (B, T), constants: the mask carries no gradient
  if (mask.defined()) {
    const Tensor real = to(to(mask, sequence.device()), sequence.dtype());             // (B, T) 0/1
    const Tensor count = sum(real, {1}, /*keepdim=*/true);                             // (B, 1)
    weights = real / maximum(count, full_like(count, 1.0));                            // a fully masked row stays 0
  } else {
    weights = full({batch, length}, 1.0 / static_cast<double>(std::max<std::int64_t>(length, 1)), sequence.dtype(),
                   sequence.device());
  }
  return {weighted_sum(weights, sequence), weights};
}

}  // namespace heed
