// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_.
//
// With G the gradients of all parameters taken as one long vector,
//   norm = ||G||_2 = sqrt(sum over parameters of sum(g^2))
//   every g <- g * min(1, max_norm / (norm + 1e-6))
// Scaling every gradient by the same factor keeps the update's direction and
// only bounds its length, which stops one bad batch (an exploding RNN gradient)
// from throwing the parameters far away. The 1e-6 keeps the division finite
// and leaves the clipped norm just below max_norm, as PyTorch does.
//
// Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent
// neural networks".
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace heed::optim {

// Clips the gradients of `params` (those without one are skipped) and returns
// the norm measured before clipping. A non-finite norm (a NaN or inf in some
// gradient) is returned as is and the gradients are left untouched, so the
// caller can see it and skip the step, as mixed-precision trainers do; this
// function never throws for it. max_norm must be > 0.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace heed::optim
