// Element types. float64 exists so gradient checks are exact; the integer
// types hold indices (embedding ids, gather positions, argmax results).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tensor/error.h"

namespace heed {

enum class DType : std::uint8_t { Float32, Float64, Int32, Int64 };

constexpr std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 4;
    case DType::Int32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
  }
  return "?";
}

constexpr bool is_floating(DType dtype) { return dtype == DType::Float32 || dtype == DType::Float64; }

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::Int64; }

// Calls fn.template operator()<T>() with T the C++ type of `dtype`:
//   dispatch(t.dtype(), [&]<typename T>() { ... T ... });
template <typename Fn>
decltype(auto) dispatch(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Float32: return fn.template operator()<float>();
    case DType::Float64: return fn.template operator()<double>();
    case DType::Int32: return fn.template operator()<std::int32_t>();
    case DType::Int64: return fn.template operator()<std::int64_t>();
  }
  detail::fail("dispatch: unknown dtype");
}

// Same, for ops defined only on float32 and float64; `op` names the caller in the error.
template <typename Fn>
decltype(auto) dispatch_floating(DType dtype, std::string_view op, Fn&& fn) {
  switch (dtype) {
    case DType::Float32: return fn.template operator()<float>();
    case DType::Float64: return fn.template operator()<double>();
    default: break;
  }
  detail::fail(op, ": needs a float32 or float64 tensor, got ", dtype_name(dtype),
               "; convert it with .to(DType::Float32)");
}

// Same, for index tensors (int32 or int64).
template <typename Fn>
decltype(auto) dispatch_index(DType dtype, std::string_view op, Fn&& fn) {
  switch (dtype) {
    case DType::Int32: return fn.template operator()<std::int32_t>();
    case DType::Int64: return fn.template operator()<std::int64_t>();
    default: break;
  }
  detail::fail(op, ": indices must be int32 or int64, got ", dtype_name(dtype));
}

}  // namespace heed
