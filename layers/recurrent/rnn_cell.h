// RNNCell: the Elman recurrent cell, one time step.
//
//   h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)        (or relu instead of tanh)
//
//   x    (B, I)      input at this step
//   h    (B, H)      state before the step;  h' (B, H) after it
//   W_ih (H, I)   W_hh (H, H)   b_ih (H)   b_hh (H)
//
// The layout and names are PyTorch's nn.RNNCell, so checkpoints and fixtures
// map one to one. Every parameter starts as U(-1/sqrt(H), 1/sqrt(H)).
// Elman 1990, "Finding Structure in Time", Cognitive Science 14.
//
// Every recurrent cell (this one, GRUCell, LSTMCell) splits its work in two:
//   input_projection(x) = x W_ih^T + b_ih     does not depend on the state, so
//                                             a sequence layer computes it for
//                                             all T steps in one matmul over
//                                             (T*B, I): the main speed trick
//   <cell>_step(projection, state)            the part that must run step by step
// A cell's forward(x, h) is just the two in a row.
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

enum class RNNNonlinearity { Tanh, ReLU };

// x W_ih^T + b_ih for any leading dims: (..., I) -> (..., G*H). G is 1 (RNN), 3 (GRU) or 4 (LSTM).
Tensor input_projection(const Tensor& x, const Tensor& weight_ih, const Tensor& bias_ih);

// The state-dependent half of an Elman step. `weight_hh_t` is W_hh^T (H, H): a
// sequence layer transposes once per sequence, not once per step.
//   input_projection (B, H), h (B, H) -> h' (B, H)
Tensor rnn_step(const Tensor& input_projection, const Tensor& h, const Tensor& weight_hh_t, const Tensor& bias_hh,
                RNNNonlinearity nonlinearity);

class RNNCell : public Module {
 public:
  RNNCell(std::int64_t input_size, std::int64_t hidden_size, Generator& gen = default_generator(),
          RNNNonlinearity nonlinearity = RNNNonlinearity::Tanh, DType dtype = DType::Float32);

  Tensor forward(const Tensor& x) override;             // from a zero state: (B, I) -> (B, H)
  Tensor forward(const Tensor& x, const Tensor& h);     // (B, I), (B, H) -> (B, H)

  std::int64_t input_size;
  std::int64_t hidden_size;
  RNNNonlinearity nonlinearity;
  Tensor weight_ih;  // (H, I)
  Tensor weight_hh;  // (H, H)
  Tensor bias_ih;    // (H)
  Tensor bias_hh;    // (H)
};

namespace detail {
// The shared constructor work of the cells and sequence layers: a (rows, cols)
// parameter drawn from U(-1/sqrt(hidden), 1/sqrt(hidden)), PyTorch's rule for
// every recurrent weight and bias.
Tensor recurrent_init(const Shape& shape, std::int64_t hidden_size, Generator& gen, DType dtype);
// Checks x (B, I) and h (B, H) against a cell's sizes; `op` names the caller.
void check_cell_inputs(const char* op, const Tensor& x, const Tensor& h, std::int64_t input_size,
                       std::int64_t hidden_size);
}  // namespace detail

}  // namespace heed
