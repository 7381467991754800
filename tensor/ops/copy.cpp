// Copies and conversions: contiguous, clone, to(dtype), to(device), copy_, fill_.
#include <cstring>

#include "tensor/ops.h"

namespace heed::ops {

Tensor clone(const Tensor& t) {
  Tensor out = empty(t.shape(), t.dtype(), t.device());
  backend_for(t.device()).copy(t, out);
  return out;
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor to(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.shape(), dtype, t.device());
  backend_for(t.device()).copy(t, out);
  return out;
}

Tensor to(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  const Tensor src = contiguous(t);
  Tensor out = empty(t.shape(), t.dtype(), device);
  const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype());
  if (nbytes == 0) return out;
  if (device.is_cpu()) {
    backend_for(src.device()).copy_to_host(src.raw_data_any_device(), out.raw_data(), nbytes);
  } else if (src.device().is_cpu()) {
    backend_for(device).copy_from_host(src.raw_data(), out.raw_data_any_device(), nbytes);
  } else {  // device to device through the host
    return to(to(src, kCPU), device);
  }
  return out;
}

void copy_(Tensor& dst, const Tensor& src) {
  HEED_CHECK(dst.device() == src.device(), "copy_: source on ", src.device().str(), ", destination on ",
             dst.device().str(), "; move one with .to(device)");
  const Tensor from = expand(src, dst.shape());
  backend_for(dst.device()).copy(from, dst);
}

void fill_(Tensor& dst, double value) { backend_for(dst.device()).fill(dst, value); }

}  // namespace heed::ops
