#include "layers/recurrent/lstm_cell.h"

namespace heed {

LSTMState lstm_step(const Tensor& projection, const LSTMState& state, const Tensor& weight_hh_t,
                    const Tensor& bias_hh) {
  const std::int64_t hidden = state.h.size(1);
  const Tensor gates = projection + matmul(state.h, weight_hh_t) + bias_hh;  // (B, 4H): i | f | g | o
  // One sigmoid over all four gates is cheaper than three narrow ones; g's share is simply unused.
  const Tensor sigmoids = sigmoid(gates);
  const Tensor i = narrow(sigmoids, 1, 0, hidden);
  const Tensor f = narrow(sigmoids, 1, hidden, hidden);
  const Tensor g = tanh(narrow(gates, 1, 2 * hidden, hidden));
  const Tensor o = narrow(sigmoids, 1, 3 * hidden, hidden);
  const Tensor c = f * state.c + i * g;  // (B, H)
  return {o * tanh(c), c};
}

LSTMCell::LSTMCell(std::int64_t input, std::int64_t hidden, Generator& gen, DType dtype)
    : Module("LSTMCell"), input_size(input), hidden_size(hidden) {
  HEED_CHECK(input > 0 && hidden > 0, "LSTMCell: sizes must be positive, got input_size = ", input,
             ", hidden_size = ", hidden);
  weight_ih = register_parameter("weight_ih", detail::recurrent_init({4 * hidden, input}, hidden, gen, dtype));
  weight_hh = register_parameter("weight_hh", detail::recurrent_init({4 * hidden, hidden}, hidden, gen, dtype));
  bias_ih = register_parameter("bias_ih", detail::recurrent_init({4 * hidden}, hidden, gen, dtype));
  bias_hh = register_parameter("bias_hh", detail::recurrent_init({4 * hidden}, hidden, gen, dtype));
}

Tensor LSTMCell::forward(const Tensor& x) {
  HEED_CHECK(x.dim() == 2, "LSTMCell: input has shape ", shape_str(x.shape()), "; expected (batch, ", input_size, ")");
  const Tensor zero = zeros({x.size(0), hidden_size}, x.dtype(), x.device());
  return forward(x, LSTMState{zero, zero}).h;
}

LSTMState LSTMCell::forward(const Tensor& x, const LSTMState& state) {
  detail::check_cell_inputs("LSTMCell", x, state.h, input_size, hidden_size);
  detail::check_cell_inputs("LSTMCell", x, state.c, input_size, hidden_size);
  return lstm_step(input_projection(x, weight_ih, bias_ih), state, weight_hh.transpose(0, 1), bias_hh);
}

}  // namespace heed
