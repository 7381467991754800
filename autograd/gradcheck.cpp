#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/functions.h"
#include "autograd/grad_mode.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace heed {

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  for (const Tensor& x : inputs)
    HEED_CHECK(x.dtype() == DType::Float64 || !x.requires_grad(), "gradcheck: inputs must be float64 so central ",
               "differences are exact enough; got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));

  // Analytic: one backward pass of L = sum(f(x) * R).
  Generator gen(options.seed);
  for (const Tensor& x : inputs)
    if (x.requires_grad()) Tensor(x).zero_grad();
  const Tensor out = f(inputs);
  const Tensor projection = randn(out.shape(), gen, DType::Float64, out.device());
  sum(mul(out, projection)).backward();

  auto loss_at = [&]() {
    NoGradGuard no_grad;
    return ops::sum(ops::mul(f(inputs), projection)).item();
  };

  GradcheckResult result;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    const Tensor analytic_grad = x.grad().defined() ? ops::contiguous(x.grad()) : zeros_like(x);
    HEED_CHECK(x.is_contiguous(), "gradcheck: input ", k, " must be contiguous");
    double* data = x.data<double>();
    const double* analytic = analytic_grad.data<double>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const double original = data[i];
      data[i] = original + options.eps;
      const double plus = loss_at();
      data[i] = original - options.eps;
      const double minus = loss_at();
      data[i] = original;
      const double numeric = (plus - minus) / (2 * options.eps);
      const double error = std::abs(numeric - analytic[i]);
      result.max_abs_error = std::max(result.max_abs_error, error);
      if (result.ok && !(error <= options.atol + options.rtol * std::abs(numeric))) {
        result.ok = false;
        std::ostringstream msg;
        msg << "gradcheck: input " << k << " " << shape_str(x.shape()) << " element " << i << ": analytic "
            << analytic[i] << " vs numeric " << numeric << " (error " << error << ")";
        result.message = msg.str();
      }
    }
  }
  for (const Tensor& x : inputs)
    if (x.requires_grad()) Tensor(x).zero_grad();
  return result;
}

}  // namespace heed
