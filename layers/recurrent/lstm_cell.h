// LSTMCell: long short-term memory, one time step.
//
// As PyTorch documents nn.LSTMCell:
//   i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      input gate
//   f  = sigmoid(W_if x + b_if + W_hf h + b_hf)      forget gate
//   g  = tanh(W_ig x + b_ig + W_hg h + b_hg)         candidate cell
//   o  = sigmoid(W_io x + b_io + W_ho h + b_ho)      output gate
//   c' = f * c + i * g
//   h' = o * tanh(c')
//
//   x    (B, I)        h, c, h', c' (B, H)
//   W_ih (4H, I)  = [W_ii; W_if; W_ig; W_io]     gates stacked in the order i, f, g, o
//   W_hh (4H, H)  = [W_hi; W_hf; W_hg; W_ho]
//   b_ih (4H), b_hh (4H)
//
// The cell c is a running sum, gated but never squashed between steps, so
// its gradient flows back through many steps without vanishing (the
// "constant error carousel"). Every parameter starts as U(-1/sqrt(H), 1/sqrt(H)).
// Hochreiter & Schmidhuber 1997, "Long Short-Term Memory", Neural Computation 9;
// the forget gate: Gers, Schmidhuber & Cummins 2000.
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "layers/recurrent/rnn_cell.h"
#include "tensor/random.h"

namespace heed {

struct LSTMState {
  Tensor h;  // (B, H) hidden state, what the next layer sees
  Tensor c;  // (B, H) cell state, the memory
};

// The state-dependent half of an LSTM step (the input half is input_projection()).
//   input_projection (B, 4H) = x W_ih^T + b_ih,  weight_hh_t = W_hh^T (H, 4H)
LSTMState lstm_step(const Tensor& input_projection, const LSTMState& state, const Tensor& weight_hh_t,
                    const Tensor& bias_hh);

class LSTMCell : public Module {
 public:
  LSTMCell(std::int64_t input_size, std::int64_t hidden_size, Generator& gen = default_generator(),
           DType dtype = DType::Float32);

  Tensor forward(const Tensor& x) override;                      // h' from a zero state: (B, I) -> (B, H)
  LSTMState forward(const Tensor& x, const LSTMState& state);    // (B, I), {(B, H), (B, H)} -> {h', c'}

  std::int64_t input_size;
  std::int64_t hidden_size;
  Tensor weight_ih;  // (4H, I)
  Tensor weight_hh;  // (4H, H)
  Tensor bias_ih;    // (4H)
  Tensor bias_hh;    // (4H)
};

}  // namespace heed
