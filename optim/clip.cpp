#include "optim/clip.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace heed::optim {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  HEED_CHECK(max_norm > 0, "clip_grad_norm: max_norm ", max_norm, " must be > 0");
  NoGradGuard no_grad;
  double sum_of_squares = 0;
  for (const Tensor& p : params) {
    const Tensor grad = p.grad();
    if (grad.defined()) sum_of_squares += ops::sum(ops::square(grad)).item();
  }
  const double norm = std::sqrt(sum_of_squares);
  // PyTorch scales whenever this factor is below 1, which includes norms a hair
  // under max_norm (within the 1e-6); doing the same keeps runs comparable.
  const double scale = max_norm / (norm + 1e-6);
  if (!std::isfinite(norm) || scale >= 1) return norm;

  for (Tensor p : params) {  // a copy of the handle; set_grad changes the shared tensor
    const Tensor grad = p.grad();
    // A new tensor, not an in-place scale: autograd may hand one gradient tensor
    // to several parameters (both inputs of an add), which would scale it twice.
    if (grad.defined()) p.set_grad(ops::mul(grad, scale));
  }
  return norm;
}

}  // namespace heed::optim
