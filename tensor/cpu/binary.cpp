// Elementwise functions of two tensors, out = f(a, b), and where(cond, a, b).
// The inputs arrive already expanded to out's shape (stride 0 on broadcast dims).
#include <cmath>
#include <numbers>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

template <typename T, typename F>
void map_binary(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  for_each_row<3>(out.shape(), {&out, &a, &b},
                  [f](std::array<char*, 3> p, std::array<std::int64_t, 3> s, std::int64_t n) {
                    T* o = reinterpret_cast<T*>(p[0]);
                    const T* x = reinterpret_cast<const T*>(p[1]);
                    const T* y = reinterpret_cast<const T*>(p[2]);
                    if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
                    } else if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == 0) {  // tensor op scalar
                      const T yv = *y;
                      for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
                    } else {
                      for (std::int64_t i = 0; i < n; ++i)
                        *reinterpret_cast<T*>(p[0] + i * s[0]) = f(*reinterpret_cast<const T*>(p[1] + i * s[1]),
                                                                   *reinterpret_cast<const T*>(p[2] + i * s[2]));
                    }
                  });
}

template <typename T>
void run_binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, T c) {
  switch (op) {
    case BinaryOp::Add: return map_binary<T>(a, b, out, [](T x, T y) { return static_cast<T>(x + y); });
    case BinaryOp::Sub: return map_binary<T>(a, b, out, [](T x, T y) { return static_cast<T>(x - y); });
    case BinaryOp::Mul: return map_binary<T>(a, b, out, [](T x, T y) { return static_cast<T>(x * y); });
    case BinaryOp::Div: return map_binary<T>(a, b, out, [](T x, T y) { return static_cast<T>(x / y); });
    case BinaryOp::Maximum:
      return map_binary<T>(a, b, out, [](T x, T y) { return (x != x || x > y) ? x : y; });  // NaN propagates
    case BinaryOp::Minimum:
      return map_binary<T>(a, b, out, [](T x, T y) { return (x != x || x < y) ? x : y; });
    case BinaryOp::Eq: return map_binary<T>(a, b, out, [](T x, T y) { return T(x == y); });
    case BinaryOp::Ne: return map_binary<T>(a, b, out, [](T x, T y) { return T(x != y); });
    case BinaryOp::Lt: return map_binary<T>(a, b, out, [](T x, T y) { return T(x < y); });
    case BinaryOp::Le: return map_binary<T>(a, b, out, [](T x, T y) { return T(x <= y); });
    case BinaryOp::Gt: return map_binary<T>(a, b, out, [](T x, T y) { return T(x > y); });
    case BinaryOp::Ge: return map_binary<T>(a, b, out, [](T x, T y) { return T(x >= y); });
    case BinaryOp::ReluBackward: return map_binary<T>(a, b, out, [](T g, T x) { return x > T(0) ? g : T(0); });
    case BinaryOp::AddScaled: return map_binary<T>(a, b, out, [c](T x, T y) { return static_cast<T>(x + c * y); });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::Pow: return map_binary<T>(a, b, out, [](T x, T y) { return std::pow(x, y); });
      case BinaryOp::GeluBackward:
        return map_binary<T>(a, b, out, [](T g, T x) {
          const T cdf = T(0.5) * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2)));
          const T pdf = std::exp(T(-0.5) * x * x) * T(std::numbers::inv_sqrtpi / std::numbers::sqrt2);
          return g * (cdf + x * pdf);
        });
      case BinaryOp::EluBackward:
        return map_binary<T>(a, b, out, [c](T g, T x) { return x > 0 ? g : g * c * std::exp(x); });
      case BinaryOp::SigmoidBackward: return map_binary<T>(a, b, out, [](T g, T y) { return g * y * (T(1) - y); });
      case BinaryOp::TanhBackward: return map_binary<T>(a, b, out, [](T g, T y) { return g * (T(1) - y * y); });
      default: break;
    }
  }
  detail::fail("binary: op ", static_cast<int>(op), " has no kernel for ", dtype_name(out.dtype()));
}

}  // namespace

void CpuBackend::binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, double scalar) {
  dispatch(out.dtype(), [&]<typename T>() { run_binary<T>(op, a, b, out, static_cast<T>(scalar)); });
}

void CpuBackend::where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch(out.dtype(), [&]<typename T>() {
    dispatch(cond.dtype(), [&]<typename C>() {
      for_each_row<4>(out.shape(), {&out, &cond, &a, &b},
                      [](std::array<char*, 4> p, std::array<std::int64_t, 4> s, std::int64_t n) {
                        for (std::int64_t i = 0; i < n; ++i) {
                          const bool take_a = *reinterpret_cast<const C*>(p[1] + i * s[1]) != C(0);
                          *reinterpret_cast<T*>(p[0] + i * s[0]) =
                              *reinterpret_cast<const T*>(p[take_a ? 2 : 3] + i * s[take_a ? 2 : 3]);
                        }
                      });
    });
  });
}

}  // namespace heed::cpu
