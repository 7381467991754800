// Loss functions: a scalar to minimize, from a model's outputs and the targets.
//
//   cross_entropy(logits, targets)       logits (..., C), targets (...) class ids
//       loss_i = -log softmax(logits_i)[t_i]
//       with label smoothing eps (Szegedy et al. 2016, "Rethinking the Inception
//       Architecture", sec. 7), as PyTorch computes it:
//       loss_i = (1 - eps) * (-log p_i[t_i]) + eps * mean over c of (-log p_i[c])
//   nll_loss(log_probs, targets)         the same without the log_softmax (and without smoothing)
//   mse_loss(prediction, target)         (prediction - target)^2
//   bce_with_logits(logits, targets)     binary cross-entropy of sigmoid(logits), in the
//       stable form   max(x, 0) - x y + log(1 + e^-|x|)
//       with pos_weight p (weights the positive term, per class, broadcast over the last dim):
//                     (1 - y) x + (1 + (p - 1) y) (max(-x, 0) + log(1 + e^-|x|))
//
// Class dims. The class scores sit in the LAST dim, as a language model
// produces them: (N, C) with targets (N), or (B, T, C) with targets (B, T).
// (PyTorch puts classes in dim 1 for inputs of rank > 2; the PyTorch equivalent
// of cross_entropy(logits, targets) here is
//   F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1)).)
//
// Targets equal to ignore_index (default -100, PyTorch's) contribute nothing:
// Reduction::Mean divides by the number of counted targets, not by N (so
// padding does not dilute the loss), and gives NaN when none is counted, as
// PyTorch does. Reduction::None returns one loss per target, 0 where ignored,
// in the targets' shape.
//
// Every loss is composed of differentiable functions (log_softmax, gather,
// where, ...), so its gradient comes from autograd.
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace heed {

enum class Reduction { Mean, Sum, None };

inline constexpr std::int64_t kDefaultIgnoreIndex = -100;

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index = kDefaultIgnoreIndex,
                     double label_smoothing = 0.0, Reduction reduction = Reduction::Mean);

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index = kDefaultIgnoreIndex,
                Reduction reduction = Reduction::Mean);

// prediction and target have the same shape; both may require gradients.
Tensor mse_loss(const Tensor& prediction, const Tensor& target, Reduction reduction = Reduction::Mean);

// logits and targets (probabilities in [0, 1]) have the same shape; pos_weight,
// when given, broadcasts to it (usually (C) for logits (..., C)).
Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, Reduction reduction = Reduction::Mean,
                       const Tensor& pos_weight = Tensor());

}  // namespace heed
