#include "layers/recurrent/gru_cell.h"

namespace heed {

Tensor gru_step(const Tensor& projection, const Tensor& h, const Tensor& weight_hh_t, const Tensor& bias_hh) {
  const std::int64_t hidden = h.size(1);
  // (B, 3H): [W_hr h + b_hr | W_hz h + b_hz | W_hn h + b_hn]
  const Tensor hidden_projection = matmul(h, weight_hh_t) + bias_hh;
  // r and z see the sum of both projections, so one sigmoid covers both gates.
  const Tensor gates = sigmoid(narrow(projection, 1, 0, 2 * hidden) + narrow(hidden_projection, 1, 0, 2 * hidden));
  const Tensor r = narrow(gates, 1, 0, hidden);       // (B, H)
  const Tensor z = narrow(gates, 1, hidden, hidden);  // (B, H)
  const Tensor n = tanh(narrow(projection, 1, 2 * hidden, hidden) +
                        r * narrow(hidden_projection, 1, 2 * hidden, hidden));  // (B, H)
  return n + z * (h - n);  // = (1 - z) * n + z * h, one op fewer
}

GRUCell::GRUCell(std::int64_t input, std::int64_t hidden, Generator& gen, DType dtype)
    : Module("GRUCell"), input_size(input), hidden_size(hidden) {
  HEED_CHECK(input > 0 && hidden > 0, "GRUCell: sizes must be positive, got input_size = ", input,
             ", hidden_size = ", hidden);
  weight_ih = register_parameter("weight_ih", detail::recurrent_init({3 * hidden, input}, hidden, gen, dtype));
  weight_hh = register_parameter("weight_hh", detail::recurrent_init({3 * hidden, hidden}, hidden, gen, dtype));
  bias_ih = register_parameter("bias_ih", detail::recurrent_init({3 * hidden}, hidden, gen, dtype));
  bias_hh = register_parameter("bias_hh", detail::recurrent_init({3 * hidden}, hidden, gen, dtype));
}

Tensor GRUCell::forward(const Tensor& x) {
  HEED_CHECK(x.dim() == 2, "GRUCell: input has shape ", shape_str(x.shape()), "; expected (batch, ", input_size, ")");
  return forward(x, zeros({x.size(0), hidden_size}, x.dtype(), x.device()));
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
  detail::check_cell_inputs("GRUCell", x, h, input_size, hidden_size);
  return gru_step(input_projection(x, weight_ih, bias_ih), h, weight_hh.transpose(0, 1), bias_hh);
}

}  // namespace heed
