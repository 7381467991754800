// The Tensor methods marked [autograd] in tensor/tensor.h: gradient
// bookkeeping, and method-style sugar for the differentiable functions.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

bool Tensor::requires_grad() const { return autograd::needs_grad(*this); }

bool Tensor::is_leaf() const {
  const auto& meta = impl().autograd;
  return !meta || !meta->grad_fn;
}

Tensor& Tensor::requires_grad_(bool enabled) {
  HEED_CHECK(is_leaf(), "requires_grad_: only leaf tensors can be marked; this tensor was computed by '",
             impl().autograd->grad_fn->name(), "'. Use detach().requires_grad_() for a new leaf");
  HEED_CHECK(!enabled || is_floating(dtype()), "requires_grad_: only float32/float64 tensors can require grad, got ",
             dtype_name(dtype()));
  auto& meta = impl().autograd;
  if (!meta) {
    if (!enabled) return *this;
    meta = std::make_shared<AutogradMeta>();
  }
  meta->requires_grad = enabled;
  return *this;
}

Tensor Tensor::grad() const {
  const auto& meta = impl().autograd;
  return meta ? meta->grad : Tensor();
}

void Tensor::set_grad(const Tensor& grad) {
  HEED_CHECK(!grad.defined() || grad.shape() == shape(), "set_grad: gradient of shape ", shape_str(grad.shape()),
             " for a tensor of shape ", shape_str(shape()));
  auto& meta = impl().autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->grad = grad;
}

void Tensor::zero_grad() {
  if (const auto& meta = impl().autograd) meta->grad = Tensor();
}

void Tensor::retain_grad() {
  HEED_CHECK(requires_grad(), "retain_grad: tensor does not require grad");
  impl().autograd->retains_grad = true;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  Tensor seed = gradient;
  if (!seed.defined()) {
    HEED_CHECK(numel() == 1, "backward: tensor of shape ", shape_str(shape()),
               " is not a scalar; pass the gradient of the loss with respect to it: t.backward(grad)");
    seed = ones(shape(), dtype(), device());
  }
  NoGradGuard no_grad;  // the backward pass itself is not recorded
  autograd::run_backward(*this, seed, retain_graph);
}

Tensor Tensor::detach() const {
  auto impl_copy = std::make_shared<TensorImpl>(impl());
  impl_copy->autograd.reset();
  return Tensor(std::move(impl_copy));
}

Tensor Tensor::reshape(const Shape& s) const { return heed::reshape(*this, s); }
Tensor Tensor::view(const Shape& s) const { return heed::view(*this, s); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const { return heed::flatten(*this, start_dim, end_dim); }
Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const { return heed::transpose(*this, d0, d1); }
Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const { return heed::permute(*this, dims); }
Tensor Tensor::slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) const {
  return heed::slice(*this, dim, start, end, step);
}
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return heed::narrow(*this, dim, start, length);
}
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return heed::select(*this, dim, index); }
Tensor Tensor::expand(const Shape& s) const { return heed::expand(*this, s); }
Tensor Tensor::squeeze(std::int64_t dim) const { return heed::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(std::int64_t dim) const { return heed::unsqueeze(*this, dim); }
Tensor Tensor::contiguous() const { return heed::contiguous(*this); }
Tensor Tensor::to(DType d) const { return heed::to(*this, d); }
Tensor Tensor::to(Device d) const { return heed::to(*this, d); }
Tensor Tensor::sum(const std::vector<std::int64_t>& dims, bool keepdim) const { return heed::sum(*this, dims, keepdim); }
Tensor Tensor::mean(const std::vector<std::int64_t>& dims, bool keepdim) const { return heed::mean(*this, dims, keepdim); }

}  // namespace heed
