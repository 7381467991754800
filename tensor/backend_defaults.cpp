// What a backend inherits for the kernels it does not implement yet.
//
// Most kernels of tensor/backend.h are pure virtual: every device must have
// them. The newer ones (convolution, pooling, flash attention) have these defaults instead, so
// a backend keeps compiling while it catches up, and a caller learns at run time
// what is missing and what to do about it:
//   im2col: not implemented on cuda:0 yet; move the tensor to the CPU
#include <string>

#include "tensor/backend.h"

namespace heed {
namespace {

[[noreturn]] void not_implemented(const char* kernel, const Tensor& on) {
  detail::fail(kernel, ": not implemented on ", on.device().str(), " yet; move the tensor to the CPU");
}

}  // namespace

void Backend::im2col(const Tensor& image, const Conv2dGeometry&, Tensor&) { not_implemented("im2col", image); }

void Backend::col2im(const Tensor& columns, const Conv2dGeometry&, Tensor&) { not_implemented("col2im", columns); }

void Backend::max_pool2d(const Tensor& in, const Pool2dGeometry&, Tensor&, Tensor&) {
  not_implemented("max_pool2d", in);
}

void Backend::max_pool2d_backward(const Tensor& grad_out, const Tensor&, Tensor&) {
  not_implemented("max_pool2d_backward", grad_out);
}

void Backend::avg_pool2d(const Tensor& in, const Pool2dGeometry&, Tensor&, bool) { not_implemented("avg_pool2d", in); }

void Backend::avg_pool2d_backward(const Tensor& grad_out, const Pool2dGeometry&, Tensor&, bool) {
  not_implemented("avg_pool2d_backward", grad_out);
}

void Backend::flash_attention(const Tensor& q, const Tensor&, const Tensor&, const Tensor&,
                              const FlashAttentionGeometry&, Tensor&, Tensor&) {
  not_implemented("flash_attention", q);
}

void Backend::flash_attention_backward(const Tensor& q, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                       const Tensor&, const Tensor&, const FlashAttentionGeometry&, Tensor&, Tensor&,
                                       Tensor&) {
  not_implemented("flash_attention_backward", q);
}

}  // namespace heed
