// Tensor: a cheap handle onto shared Storage.
//
// A Tensor is (storage, shape, strides, offset, dtype). Copying a Tensor copies
// the handle, not the data; views (reshape, transpose, slice, expand) make new
// handles onto the same storage. Element (i0, i1, ...) lives at
//   storage.data + (offset + i0*strides[0] + i1*strides[1] + ...) * dtype_size
//
// tensor/ knows nothing of gradients. The autograd fields are an opaque pointer
// here; the methods marked [autograd] below are implemented in autograd/ and
// record the operation in the graph when gradients are on.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/device.h"
#include "tensor/dtype.h"
#include "tensor/error.h"
#include "tensor/shape.h"
#include "tensor/storage.h"

namespace heed {

struct AutogradMeta;  // autograd/node.h
class Generator;      // tensor/random.h

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  std::int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;
  std::shared_ptr<AutogradMeta> autograd;  // null unless the tensor takes part in autograd
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (no storage); defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Metadata.
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  std::int64_t size(std::int64_t dim) const;  // negative dims count from the end
  std::int64_t stride(std::int64_t dim) const;
  int dim() const { return static_cast<int>(impl().shape.size()); }
  std::int64_t numel() const { return numel_of(impl().shape); }
  std::int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage->device(); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  bool shares_storage_with(const Tensor& other) const { return storage() == other.storage(); }
  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // Data access (CPU tensors). data<T>() points at element (0, 0, ...).
  template <typename T>
  T* data() const {
    HEED_CHECK(dtype_of<T>() == dtype(), "data: tensor holds ", dtype_name(dtype()), ", asked for ",
               dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;             // CPU tensors only
  void* raw_data_any_device() const;  // address in the device's memory (for kernels)
  double item() const;  // the single element of a 1-element tensor, as double
  template <typename T>
  std::vector<T> to_vector() const;  // all elements in row-major order, converted to T
  std::string str() const;           // printed values with shape and dtype

  // [autograd] Gradient bookkeeping.
  bool requires_grad() const;
  Tensor& requires_grad_(bool enabled = true);
  bool is_leaf() const;
  Tensor grad() const;  // undefined until a backward pass reaches this tensor
  void set_grad(const Tensor& grad);
  void zero_grad();     // drops the accumulated gradient
  void retain_grad();   // keep .grad() on a non-leaf tensor
  // Reverse-mode pass from this tensor. A non-scalar needs `gradient` of its shape.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;  // same data, cut from the graph

  // [autograd] Differentiable views and conversions; sugar for the heed:: functions.
  Tensor reshape(const Shape& shape) const;  // one size may be -1
  Tensor view(const Shape& shape) const;     // like reshape, but never copies
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor permute(const std::vector<std::int64_t>& dims) const;
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;  // drops `dim`
  Tensor expand(const Shape& shape) const;                   // -1 keeps a size
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor contiguous() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;

  // [autograd] The most used reductions, as methods for readable layer code.
  Tensor sum(const std::vector<std::int64_t>& dims = {}, bool keepdim = false) const;
  Tensor mean(const std::vector<std::int64_t>& dims = {}, bool keepdim = false) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// ---- Creation. Every creator takes the dtype and device last; defaults float32, CPU.
Tensor empty(const Shape& shape, DType dtype = DType::Float32, Device device = kCPU);
Tensor zeros(const Shape& shape, DType dtype = DType::Float32, Device device = kCPU);
Tensor ones(const Shape& shape, DType dtype = DType::Float32, Device device = kCPU);
Tensor full(const Shape& shape, double value, DType dtype = DType::Float32, Device device = kCPU);
Tensor scalar_tensor(double value, DType dtype = DType::Float32, Device device = kCPU);  // shape ()
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor empty_like(const Tensor& t);  // same shape, dtype, device; contiguous
// [start, end) in steps of `step`.
Tensor arange(double start, double end, double step = 1, DType dtype = DType::Int64, Device device = kCPU);
Tensor arange(std::int64_t end, DType dtype = DType::Int64, Device device = kCPU);
// Random tensors draw from `gen` (tensor/random.h); the same seed gives the same tensor.
Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::Float32, Device device = kCPU);
Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::Float32, Device device = kCPU);  // U[0,1)
Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype = DType::Float32,
               Device device = kCPU);
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, Generator& gen,
               DType dtype = DType::Int64, Device device = kCPU);  // [low, high)
// From host values in row-major order; values.size() must equal numel(shape).
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device device = kCPU);
Tensor from_vector(std::initializer_list<double> values, const Shape& shape, DType dtype = DType::Float32,
                   Device device = kCPU);

// A view onto t's storage with the given geometry (no checks beyond bounds).
Tensor as_strided(const Tensor& t, const Shape& shape, const Strides& strides, std::int64_t offset);

std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace heed
