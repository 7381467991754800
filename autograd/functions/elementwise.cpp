// Elementwise differentiable ops. For y = f(x): dL/dx = dL/dy * f'(x).
// Binary ops broadcast, so each input's gradient is summed back to its own
// shape (ops::sum_to): an input that was stretched along a dim received the
// gradient of every position it was copied to.
#include "autograd/function.h"
#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {

using autograd::grads;
using autograd::record;
using autograd::saved;

namespace {
Tensor scalar_like(const Tensor& t, double value) { return full({}, value, t.dtype(), t.device()); }
}  // namespace

// ---- One input.

Tensor neg(const Tensor& x) {
  return record("neg", ops::neg(x), {x}, [](const Tensor& g) { return grads(ops::neg(g)); });
}

Tensor abs(const Tensor& x) {  // d|x|/dx = sign(x), 0 at 0
  return record("abs", ops::abs(x), {x}, [x = saved(x)](const Tensor& g) { return grads(ops::mul(g, ops::sign(x))); });
}

Tensor exp(const Tensor& x) {  // d e^x = e^x
  Tensor y = ops::exp(x);
  return record("exp", y, {x}, [y = saved(y)](const Tensor& g) { return grads(ops::mul(g, y)); });
}

Tensor log(const Tensor& x) {  // d log x = 1/x
  return record("log", ops::log(x), {x}, [x = saved(x)](const Tensor& g) { return grads(ops::div(g, x)); });
}

Tensor sqrt(const Tensor& x) {  // d sqrt(x) = 1 / (2 sqrt(x))
  Tensor y = ops::sqrt(x);
  return record("sqrt", y, {x}, [y = saved(y)](const Tensor& g) { return grads(ops::div(ops::mul(g, 0.5), y)); });
}

Tensor rsqrt(const Tensor& x) {  // d x^(-1/2) = -1/2 x^(-3/2) = -1/2 y^3
  Tensor y = ops::rsqrt(x);
  return record("rsqrt", y, {x}, [y = saved(y)](const Tensor& g) {
    return grads(ops::mul(g, ops::mul(ops::pow(y, 3.0), -0.5)));
  });
}

Tensor tanh(const Tensor& x) {  // d tanh = 1 - y^2
  Tensor y = ops::tanh(x);
  return record("tanh", y, {x}, [y = saved(y)](const Tensor& g) { return grads(ops::binary(BinaryOp::TanhBackward, g, y)); });
}

Tensor sigmoid(const Tensor& x) {  // d sigma = y (1 - y)
  Tensor y = ops::sigmoid(x);
  return record("sigmoid", y, {x},
                [y = saved(y)](const Tensor& g) { return grads(ops::binary(BinaryOp::SigmoidBackward, g, y)); });
}

Tensor relu(const Tensor& x) {  // 1 where x > 0
  return record("relu", ops::relu(x), {x},
                [x = saved(x)](const Tensor& g) { return grads(ops::binary(BinaryOp::ReluBackward, g, x)); });
}

Tensor gelu(const Tensor& x) {  // d [x Phi(x)] = Phi(x) + x phi(x)
  return record("gelu", ops::gelu(x), {x},
                [x = saved(x)](const Tensor& g) { return grads(ops::binary(BinaryOp::GeluBackward, g, x)); });
}

Tensor elu(const Tensor& x, double alpha) {  // 1 for x > 0, alpha e^x otherwise
  return record("elu", ops::elu(x, alpha), {x}, [x = saved(x), alpha](const Tensor& g) {
    return grads(ops::binary(BinaryOp::EluBackward, g, x, alpha));
  });
}

Tensor sin(const Tensor& x) {
  return record("sin", ops::sin(x), {x}, [x = saved(x)](const Tensor& g) { return grads(ops::mul(g, ops::cos(x))); });
}

Tensor cos(const Tensor& x) {
  return record("cos", ops::cos(x), {x},
                [x = saved(x)](const Tensor& g) { return grads(ops::neg(ops::mul(g, ops::sin(x)))); });
}

Tensor square(const Tensor& x) {
  return record("square", ops::square(x), {x},
                [x = saved(x)](const Tensor& g) { return grads(ops::mul(ops::mul(g, x), 2.0)); });
}

Tensor pow(const Tensor& x, double exponent) {  // d x^p = p x^(p-1)
  return record("pow", ops::pow(x, exponent), {x}, [x = saved(x), exponent](const Tensor& g) {
    return grads(ops::mul(ops::mul(g, ops::pow(x, exponent - 1)), exponent));
  });
}

Tensor add(const Tensor& x, double value) {
  return record("add", ops::add(x, value), {x}, [](const Tensor& g) { return grads(g); });
}

Tensor mul(const Tensor& x, double value) {
  return record("mul", ops::mul(x, value), {x}, [value](const Tensor& g) { return grads(ops::mul(g, value)); });
}

// ---- Two inputs, broadcast.

Tensor add(const Tensor& a, const Tensor& b) {
  return record("add", ops::add(a, b), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return grads(ops::sum_to(g, sa), ops::sum_to(g, sb));
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return record("sub", ops::sub(a, b), {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return grads(ops::sum_to(g, sa), ops::sum_to(ops::neg(g), sb));
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  const bool ga = autograd::needs_grad(a), gb = autograd::needs_grad(b);
  return record("mul", ops::mul(a, b), {a, b}, [a = saved(a), b = saved(b), ga, gb](const Tensor& g) {
    return grads(ga ? ops::sum_to(ops::mul(g, b), a.shape()) : Tensor(),
                 gb ? ops::sum_to(ops::mul(g, a), b.shape()) : Tensor());
  });
}

Tensor div(const Tensor& a, const Tensor& b) {  // d(a/b) = da/b - a db/b^2
  const bool ga = autograd::needs_grad(a), gb = autograd::needs_grad(b);
  return record("div", ops::div(a, b), {a, b}, [a = saved(a), b = saved(b), ga, gb](const Tensor& g) {
    const Tensor g_over_b = ops::div(g, b);
    return grads(ga ? ops::sum_to(g_over_b, a.shape()) : Tensor(),
                 gb ? ops::sum_to(ops::neg(ops::mul(g_over_b, ops::div(a, b))), b.shape()) : Tensor());
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {  // d a^b = b a^(b-1) da + a^b log(a) db
  Tensor y = ops::pow(a, b);
  const bool gb = autograd::needs_grad(b);
  return record("pow", y, {a, b}, [a = saved(a), b = saved(b), y = saved(y), gb](const Tensor& g) {
    const Tensor da = ops::mul(g, ops::mul(b, ops::pow(a, ops::add(b, -1.0))));
    Tensor db;
    if (gb) {  // log(a) is -inf/NaN at a <= 0, where the gradient is taken as 0 (as PyTorch does at a == 0)
      const Tensor positive = ops::gt(a, scalar_like(a, 0));
      const Tensor log_a = ops::log(ops::where(positive, a, ops::add(ops::mul(a, 0.0), 1.0)));
      db = ops::sum_to(ops::mul(g, ops::mul(y, log_a)), b.shape());
    }
    return grads(ops::sum_to(da, a.shape()), db);
  });
}

// Gradient goes to whichever input was chosen; ties split it evenly (as PyTorch does).
Tensor maximum(const Tensor& a, const Tensor& b) {
  return record("maximum", ops::maximum(a, b), {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
    const Tensor a_wins = ops::add(ops::gt(a, b), ops::mul(ops::eq(a, b), 0.5));
    return grads(ops::sum_to(ops::mul(g, a_wins), a.shape()),
                 ops::sum_to(ops::mul(g, ops::unary(UnaryOp::RSubScalar, a_wins, 1.0)), b.shape()));
  });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  return record("minimum", ops::minimum(a, b), {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
    const Tensor a_wins = ops::add(ops::lt(a, b), ops::mul(ops::eq(a, b), 0.5));
    return grads(ops::sum_to(ops::mul(g, a_wins), a.shape()),
                 ops::sum_to(ops::mul(g, ops::unary(UnaryOp::RSubScalar, a_wins, 1.0)), b.shape()));
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  return record("where", ops::where(cond, a, b), {a, b}, [cond = saved(cond), sa = a.shape(), sb = b.shape()](const Tensor& g) {
    const Tensor zero = scalar_like(g, 0);
    return grads(ops::sum_to(ops::where(cond, g, zero), sa), ops::sum_to(ops::where(cond, zero, g), sb));
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return record("masked_fill", ops::masked_fill(x, mask, value), {x}, [mask = saved(mask), sx = x.shape()](const Tensor& g) {
    return grads(ops::sum_to(ops::masked_fill(g, mask, 0.0), sx));
  });
}

Tensor eq(const Tensor& a, const Tensor& b) { return ops::eq(a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return ops::ne(a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return ops::lt(a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return ops::le(a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return ops::gt(a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return ops::ge(a, b); }

// ---- Operators.
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& x, double v) { return add(x, v); }
Tensor operator+(double v, const Tensor& x) { return add(x, v); }
Tensor operator-(const Tensor& x, double v) { return add(x, -v); }
Tensor operator-(double v, const Tensor& x) { return add(neg(x), v); }
Tensor operator*(const Tensor& x, double v) { return mul(x, v); }
Tensor operator*(double v, const Tensor& x) { return mul(x, v); }
Tensor operator/(const Tensor& x, double v) { return mul(x, 1.0 / v); }
Tensor operator/(double v, const Tensor& x) { return mul(pow(x, -1.0), v); }

}  // namespace heed
