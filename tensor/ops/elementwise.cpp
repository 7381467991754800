// Elementwise ops: argument checks, NumPy broadcasting, then the device kernel.
#include "tensor/ops.h"

namespace heed::ops {
namespace {

const char* unary_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: return "neg";
    case UnaryOp::Abs: return "abs";
    case UnaryOp::Sign: return "sign";
    case UnaryOp::Exp: return "exp";
    case UnaryOp::Log: return "log";
    case UnaryOp::Sqrt: return "sqrt";
    case UnaryOp::Rsqrt: return "rsqrt";
    case UnaryOp::Tanh: return "tanh";
    case UnaryOp::Sigmoid: return "sigmoid";
    case UnaryOp::Relu: return "relu";
    case UnaryOp::Gelu: return "gelu";
    case UnaryOp::Elu: return "elu";
    case UnaryOp::Sin: return "sin";
    case UnaryOp::Cos: return "cos";
    case UnaryOp::Square: return "square";
    case UnaryOp::Reciprocal: return "reciprocal";
    case UnaryOp::PowScalar: return "pow";
    case UnaryOp::AddScalar: return "add";
    case UnaryOp::MulScalar: return "mul";
    case UnaryOp::RSubScalar: return "rsub";
    case UnaryOp::FillLike: return "full_like";
  }
  return "unary";
}

const char* binary_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "add";
    case BinaryOp::Sub: return "sub";
    case BinaryOp::Mul: return "mul";
    case BinaryOp::Div: return "div";
    case BinaryOp::Pow: return "pow";
    case BinaryOp::Maximum: return "maximum";
    case BinaryOp::Minimum: return "minimum";
    case BinaryOp::Eq: return "eq";
    case BinaryOp::Ne: return "ne";
    case BinaryOp::Lt: return "lt";
    case BinaryOp::Le: return "le";
    case BinaryOp::Gt: return "gt";
    case BinaryOp::Ge: return "ge";
    case BinaryOp::ReluBackward: return "relu_backward";
    case BinaryOp::GeluBackward: return "gelu_backward";
    case BinaryOp::EluBackward: return "elu_backward";
    case BinaryOp::SigmoidBackward: return "sigmoid_backward";
    case BinaryOp::TanhBackward: return "tanh_backward";
    case BinaryOp::AddScaled: return "add_scaled";
  }
  return "binary";
}

bool needs_floating(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu: case UnaryOp::Square:
    case UnaryOp::AddScalar: case UnaryOp::MulScalar: case UnaryOp::RSubScalar: case UnaryOp::FillLike:
      return false;
    default:
      return true;
  }
}

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  HEED_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ: ", dtype_name(a.dtype()), " ", shape_str(a.shape()),
             " vs ", dtype_name(b.dtype()), " ", shape_str(b.shape()), "; convert one with .to(dtype)");
  HEED_CHECK(a.device() == b.device(), op, ": tensors on different devices: ", a.device().str(), " vs ",
             b.device().str(), "; move one with .to(device)");
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& t, double scalar) {
  HEED_CHECK(!needs_floating(op) || is_floating(t.dtype()), unary_name(op), ": needs a float32 or float64 tensor, got ",
             dtype_name(t.dtype()), " ", shape_str(t.shape()), "; convert it with .to(DType::Float32)");
  Tensor out = empty(t.shape(), t.dtype(), t.device());
  backend_for(t.device()).unary(op, t, out, scalar);
  return out;
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double scalar) {
  check_pair(binary_name(op), a, b);
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), binary_name(op));
  Tensor out = empty(shape, a.dtype(), a.device());
  backend_for(a.device()).binary(op, a.shape() == shape ? a : expand(a, shape), b.shape() == shape ? b : expand(b, shape),
                                 out, scalar);
  return out;
}

void binary_(BinaryOp op, Tensor& dst, const Tensor& src, double scalar) {
  check_pair(binary_name(op), dst, src);
  if (src.shape() != dst.shape()) {
    const Shape shape = broadcast_shapes(dst.shape(), src.shape(), binary_name(op));
    HEED_CHECK(shape == dst.shape(), binary_name(op), "_: in-place result would have shape ", shape_str(shape),
               ", but the destination is ", shape_str(dst.shape()));
  }
  backend_for(dst.device()).binary(op, dst, src.shape() == dst.shape() ? src : expand(src, dst.shape()), dst, scalar);
}

Tensor neg(const Tensor& t) { return unary(UnaryOp::Neg, t); }
Tensor abs(const Tensor& t) { return unary(UnaryOp::Abs, t); }
Tensor sign(const Tensor& t) { return unary(UnaryOp::Sign, t); }
Tensor exp(const Tensor& t) { return unary(UnaryOp::Exp, t); }
Tensor log(const Tensor& t) { return unary(UnaryOp::Log, t); }
Tensor sqrt(const Tensor& t) { return unary(UnaryOp::Sqrt, t); }
Tensor rsqrt(const Tensor& t) { return unary(UnaryOp::Rsqrt, t); }
Tensor tanh(const Tensor& t) { return unary(UnaryOp::Tanh, t); }
Tensor sigmoid(const Tensor& t) { return unary(UnaryOp::Sigmoid, t); }
Tensor relu(const Tensor& t) { return unary(UnaryOp::Relu, t); }
Tensor gelu(const Tensor& t) { return unary(UnaryOp::Gelu, t); }
Tensor elu(const Tensor& t, double alpha) { return unary(UnaryOp::Elu, t, alpha); }
Tensor sin(const Tensor& t) { return unary(UnaryOp::Sin, t); }
Tensor cos(const Tensor& t) { return unary(UnaryOp::Cos, t); }
Tensor square(const Tensor& t) { return unary(UnaryOp::Square, t); }
Tensor pow(const Tensor& t, double exponent) { return unary(UnaryOp::PowScalar, t, exponent); }
Tensor add(const Tensor& t, double value) { return unary(UnaryOp::AddScalar, t, value); }
Tensor mul(const Tensor& t, double value) { return unary(UnaryOp::MulScalar, t, value); }

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) {
  // Integer division by zero would kill the process (SIGFPE) inside the kernel; refuse it here.
  if (!is_floating(b.dtype()) && b.numel() > 0) {
    HEED_CHECK(max(abs(b)).item() > 0 && min(abs(b)).item() > 0, "div: integer division by zero in a ",
               dtype_name(b.dtype()), " divisor of shape ", shape_str(b.shape()),
               "; convert to a float dtype to get inf, or mask the zeros");
  }
  return binary(BinaryOp::Div, a, b);
}
Tensor pow(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Pow, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Minimum, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Ge, a, b); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_pair("where", a, b);
  HEED_CHECK(cond.device() == a.device(), "where: condition on ", cond.device().str(), ", values on ",
             a.device().str());
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty(shape, a.dtype(), a.device());
  backend_for(a.device()).where(expand(cond, shape), expand(a, shape), expand(b, shape), out);
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, double value) {
  return where(mask, full({}, value, t.dtype(), t.device()), t);
}

}  // namespace heed::ops
