#include "layers/recurrent/rnn_cell.h"

#include <cmath>

#include "layers/init.h"

namespace heed {

namespace detail {

Tensor recurrent_init(const Shape& shape, std::int64_t hidden_size, Generator& gen, DType dtype) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  return uniform_(empty(shape, dtype), -bound, bound, gen);
}

void check_cell_inputs(const char* op, const Tensor& x, const Tensor& h, std::int64_t input_size,
                       std::int64_t hidden_size) {
  HEED_CHECK(x.dim() == 2 && x.size(1) == input_size, op, ": input has shape ", shape_str(x.shape()),
             "; expected (batch, ", input_size, ")");
  HEED_CHECK(h.dim() == 2 && h.size(0) == x.size(0) && h.size(1) == hidden_size, op, ": state has shape ",
             shape_str(h.shape()), "; expected (", x.size(0), ", ", hidden_size, ") to match the input's batch");
}

}  // namespace detail

Tensor input_projection(const Tensor& x, const Tensor& weight_ih, const Tensor& bias_ih) {
  HEED_CHECK(x.size(-1) == weight_ih.size(1), "input_projection: input has ", x.size(-1),
             " features in its last dim ", shape_str(x.shape()), " but the cell expects ", weight_ih.size(1));
  return matmul(x, weight_ih.transpose(0, 1)) + bias_ih;  // (..., G*H)
}

Tensor rnn_step(const Tensor& projection, const Tensor& h, const Tensor& weight_hh_t, const Tensor& bias_hh,
                RNNNonlinearity nonlinearity) {
  const Tensor pre_activation = projection + matmul(h, weight_hh_t) + bias_hh;  // (B, H)
  return nonlinearity == RNNNonlinearity::Tanh ? tanh(pre_activation) : relu(pre_activation);
}

RNNCell::RNNCell(std::int64_t input, std::int64_t hidden, Generator& gen, RNNNonlinearity nl, DType dtype)
    : Module("RNNCell"), input_size(input), hidden_size(hidden), nonlinearity(nl) {
  HEED_CHECK(input > 0 && hidden > 0, "RNNCell: sizes must be positive, got input_size = ", input,
             ", hidden_size = ", hidden);
  weight_ih = register_parameter("weight_ih", detail::recurrent_init({hidden, input}, hidden, gen, dtype));
  weight_hh = register_parameter("weight_hh", detail::recurrent_init({hidden, hidden}, hidden, gen, dtype));
  bias_ih = register_parameter("bias_ih", detail::recurrent_init({hidden}, hidden, gen, dtype));
  bias_hh = register_parameter("bias_hh", detail::recurrent_init({hidden}, hidden, gen, dtype));
}

Tensor RNNCell::forward(const Tensor& x) {
  HEED_CHECK(x.dim() == 2, "RNNCell: input has shape ", shape_str(x.shape()), "; expected (batch, ", input_size, ")");
  return forward(x, zeros({x.size(0), hidden_size}, x.dtype(), x.device()));
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  detail::check_cell_inputs("RNNCell", x, h, input_size, hidden_size);
  return rnn_step(input_projection(x, weight_ih, bias_ih), h, weight_hh.transpose(0, 1), bias_hh, nonlinearity);
}

}  // namespace heed
