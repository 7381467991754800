// Elementwise functions of one tensor: out = f(in).
#include <cmath>
#include <numbers>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

template <typename T, typename F>
void map_unary(const Tensor& in, Tensor& out, F f) {
  for_each_row<2>(out.shape(), {&out, &in}, [f](std::array<char*, 2> p, std::array<std::int64_t, 2> s, std::int64_t n) {
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {  // the common, vectorizable case
      T* o = reinterpret_cast<T*>(p[0]);
      const T* x = reinterpret_cast<const T*>(p[1]);
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]));
    }
  });
}

template <typename T>
void run_floating(UnaryOp op, const Tensor& in, Tensor& out, T c) {
  switch (op) {
    case UnaryOp::Exp: return map_unary<T>(in, out, [](T x) { return std::exp(x); });
    case UnaryOp::Log: return map_unary<T>(in, out, [](T x) { return std::log(x); });
    case UnaryOp::Sqrt: return map_unary<T>(in, out, [](T x) { return std::sqrt(x); });
    case UnaryOp::Rsqrt: return map_unary<T>(in, out, [](T x) { return T(1) / std::sqrt(x); });
    case UnaryOp::Tanh: return map_unary<T>(in, out, [](T x) { return std::tanh(x); });
    case UnaryOp::Sigmoid:
      // Two branches keep exp() from overflowing for large |x|.
      return map_unary<T>(in, out, [](T x) {
        if (x >= 0) return T(1) / (T(1) + std::exp(-x));
        const T e = std::exp(x);
        return e / (T(1) + e);
      });
    case UnaryOp::Gelu:
      return map_unary<T>(in, out, [](T x) { return T(0.5) * x * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2))); });
    case UnaryOp::Elu: return map_unary<T>(in, out, [c](T x) { return x > 0 ? x : c * std::expm1(x); });
    case UnaryOp::Sin: return map_unary<T>(in, out, [](T x) { return std::sin(x); });
    case UnaryOp::Cos: return map_unary<T>(in, out, [](T x) { return std::cos(x); });
    case UnaryOp::Reciprocal: return map_unary<T>(in, out, [](T x) { return T(1) / x; });
    case UnaryOp::PowScalar:
      if (c == T(2)) return map_unary<T>(in, out, [](T x) { return x * x; });
      return map_unary<T>(in, out, [c](T x) { return std::pow(x, c); });
    default: break;
  }
  detail::fail("unary: op ", static_cast<int>(op), " has no floating kernel");
}

template <typename T>
void run_any(UnaryOp op, const Tensor& in, Tensor& out, T c) {
  switch (op) {
    case UnaryOp::Neg: return map_unary<T>(in, out, [](T x) { return static_cast<T>(-x); });
    case UnaryOp::Abs: return map_unary<T>(in, out, [](T x) { return x < 0 ? static_cast<T>(-x) : x; });
    case UnaryOp::Sign: return map_unary<T>(in, out, [](T x) { return static_cast<T>((T(0) < x) - (x < T(0))); });
    case UnaryOp::Relu: return map_unary<T>(in, out, [](T x) { return x > T(0) ? x : T(0); });
    case UnaryOp::Square: return map_unary<T>(in, out, [](T x) { return static_cast<T>(x * x); });
    case UnaryOp::AddScalar: return map_unary<T>(in, out, [c](T x) { return static_cast<T>(x + c); });
    case UnaryOp::MulScalar: return map_unary<T>(in, out, [c](T x) { return static_cast<T>(x * c); });
    case UnaryOp::RSubScalar: return map_unary<T>(in, out, [c](T x) { return static_cast<T>(c - x); });
    case UnaryOp::FillLike: return map_unary<T>(in, out, [c](T) { return c; });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    run_floating<T>(op, in, out, c);
  } else {
    detail::fail("unary: op ", static_cast<int>(op), " needs a floating tensor, got ", dtype_name(in.dtype()));
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, const Tensor& in, Tensor& out, double scalar) {
  dispatch(out.dtype(), [&]<typename T>() { run_any<T>(op, in, out, static_cast<T>(scalar)); });
}

}  // namespace heed::cpu
