#include "tensor/tensor.h"

#include <cmath>

#include "tensor/backend.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace heed {

TensorImpl& Tensor::impl() const {
  HEED_CHECK(impl_ != nullptr, "tensor: use of an undefined tensor (default-constructed, or a gradient "
                               "that was never computed)");
  return *impl_;
}

std::int64_t Tensor::size(std::int64_t dim) const { return shape()[wrap_dim(dim, shape().size(), "size")]; }
std::int64_t Tensor::stride(std::int64_t dim) const {
  return strides()[wrap_dim(dim, shape().size(), "stride")];
}

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  const auto& sh = shape();
  const auto& st = strides();
  for (std::size_t i = sh.size(); i-- > 0;) {
    if (sh[i] == 1) continue;
    if (st[i] != expected) return false;
    expected *= sh[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  const TensorImpl& t = impl();
  HEED_CHECK(t.storage->device().is_cpu(), "data: tensor lives on ", t.storage->device().str(),
             "; move it with .to(kCPU) before reading its elements on the host");
  return static_cast<char*>(t.storage->data()) + t.offset * static_cast<std::int64_t>(dtype_size(t.dtype));
}

void* Tensor::raw_data_any_device() const {
  const TensorImpl& t = impl();
  return static_cast<char*>(t.storage->data()) + t.offset * static_cast<std::int64_t>(dtype_size(t.dtype));
}

double Tensor::item() const {
  HEED_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape()), " has ", numel(),
             " elements; expected exactly 1");
  const Tensor host = device().is_cpu() ? *this : ops::to(*this, kCPU);
  return dispatch(dtype(), [&]<typename T>() { return static_cast<double>(*host.data<T>()); });
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = ops::contiguous(device().is_cpu() ? *this : ops::to(*this, kCPU));
  if (host.dtype() != dtype_of<T>()) host = ops::to(host, dtype_of<T>());
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int32_t> Tensor::to_vector<std::int32_t>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

// ---- Creation.

Tensor empty(const Shape& shape, DType dtype, Device device) {
  for (auto s : shape) {
    HEED_CHECK(s >= 0, "empty: negative size in shape ", shape_str(shape));
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(numel_of(shape)) * dtype_size(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  if (t.numel() > 0) backend_for(device).fill(t, value);
  return t;
}
Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor scalar_tensor(double value, DType dtype, Device device) { return full({}, value, dtype, device); }
Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype(), t.device()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype(), t.device()); }

namespace {
// Fills a fresh CPU tensor element by element, then moves it to `device`.
template <typename Fn>
Tensor generate(const Shape& shape, DType dtype, Device device, Fn&& next_value) {
  Tensor host = empty(shape, dtype, kCPU);
  dispatch(dtype, [&]<typename T>() {
    T* p = host.data<T>();
    for (std::int64_t i = 0, n = host.numel(); i < n; ++i) p[i] = static_cast<T>(next_value(i));
  });
  return device.is_cpu() ? host : ops::to(host, device);
}
}  // namespace

Tensor arange(double start, double end, double step, DType dtype, Device device) {
  HEED_CHECK(step != 0, "arange: step must not be zero");
  const auto n = static_cast<std::int64_t>(std::ceil((end - start) / step));
  return generate({std::max<std::int64_t>(n, 0)}, dtype, device,
                  [&](std::int64_t i) { return start + static_cast<double>(i) * step; });
}
Tensor arange(std::int64_t end, DType dtype, Device device) { return arange(0, static_cast<double>(end), 1, dtype, device); }

Tensor randn(const Shape& shape, Generator& gen, DType dtype, Device device) {
  HEED_CHECK(is_floating(dtype), "randn: needs a floating dtype, got ", dtype_name(dtype));
  return generate(shape, dtype, device, [&](std::int64_t) { return gen.normal(); });
}
Tensor rand(const Shape& shape, Generator& gen, DType dtype, Device device) {
  HEED_CHECK(is_floating(dtype), "rand: needs a floating dtype, got ", dtype_name(dtype));
  return generate(shape, dtype, device, [&](std::int64_t) { return gen.uniform(); });
}
Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype, Device device) {
  HEED_CHECK(is_floating(dtype), "uniform: needs a floating dtype, got ", dtype_name(dtype));
  return generate(shape, dtype, device, [&](std::int64_t) { return low + (high - low) * gen.uniform(); });
}
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen, DType dtype, Device device) {
  return generate(shape, dtype, device, [&](std::int64_t) { return static_cast<double>(gen.randint(low, high)); });
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  HEED_CHECK(static_cast<std::int64_t>(values.size()) == numel_of(shape), "from_vector: ", values.size(),
             " values cannot fill shape ", shape_str(shape), " (", numel_of(shape), " elements)");
  Tensor host = empty(shape, dtype_of<T>(), kCPU);
  std::copy(values.begin(), values.end(), host.data<T>());
  return device.is_cpu() ? host : ops::to(host, device);
}
template Tensor from_vector<float>(const std::vector<float>&, const Shape&, Device);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&, Device);
template Tensor from_vector<std::int32_t>(const std::vector<std::int32_t>&, const Shape&, Device);
template Tensor from_vector<std::int64_t>(const std::vector<std::int64_t>&, const Shape&, Device);

Tensor from_vector(std::initializer_list<double> values, const Shape& shape, DType dtype, Device device) {
  HEED_CHECK(static_cast<std::int64_t>(values.size()) == numel_of(shape), "from_vector: ", values.size(),
             " values cannot fill shape ", shape_str(shape), " (", numel_of(shape), " elements)");
  const double* p = values.begin();
  return generate(shape, dtype, device, [&](std::int64_t i) { return p[i]; });
}

Tensor as_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset) {
  HEED_CHECK(shape.size() == strides.size(), "as_strided: shape ", shape_str(shape), " and strides ",
             shape_str(strides), " differ in rank");
  // The view must stay inside the storage.
  std::int64_t lo = offset, hi = offset;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) { lo = hi = offset; break; }
    const std::int64_t reach = (shape[i] - 1) * strides[i];
    (reach < 0 ? lo : hi) += reach;
  }
  const auto capacity = static_cast<std::int64_t>(t.storage()->nbytes() / dtype_size(t.dtype()));
  HEED_CHECK(lo >= 0 && (numel_of(shape) == 0 || hi < capacity), "as_strided: view ", shape_str(shape),
             " with strides ", shape_str(strides), " at offset ", offset, " reaches outside a storage of ",
             capacity, " elements");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  return Tensor(std::move(impl));
}

}  // namespace heed
