// gradcheck: is an op's analytic gradient right?
//
// For inputs x (float64, requires_grad) and f(x) of any shape, it draws a fixed
// random tensor R of f's shape and compares, for every input element,
//   analytic:  d/dx_i sum(f(x) * R)          (one backward pass)
//   numeric:   (L(x_i + eps) - L(x_i - eps)) / (2 eps),  L = sum(f(x) * R)
// Using a random projection instead of the full Jacobian keeps it one
// backward pass per check while still testing every input element (a wrong
// entry of the Jacobian changes the projected gradient almost surely).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace heed {

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0;
  std::string message;  // the first mismatch: which input, which element, both values
};

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-4;
  std::uint64_t seed = 1234;
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Inputs must be float64; those with requires_grad() are checked.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace heed
