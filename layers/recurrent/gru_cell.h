// GRUCell: the gated recurrent unit, one time step.
//
// As PyTorch documents nn.GRUCell:
//   r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)          reset gate
//   z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)          update gate
//   n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))       candidate state
//   h' = (1 - z) * n + z * h
//
//   x    (B, I)        h, h' (B, H)
//   W_ih (3H, I)  = [W_ir; W_iz; W_in]     gates stacked in the order r, z, n
//   W_hh (3H, H)  = [W_hr; W_hz; W_hn]
//   b_ih (3H), b_hh (3H)
//
// The reset gate multiplies W_hn h + b_hn, not h itself, so b_hn cannot be
// folded into b_in: both biases are real parameters (this is PyTorch's and
// cuDNN's variant; the paper's applies r to h before W_hn). z near 1 keeps
// the old state, which is how gradients survive many steps.
// Every parameter starts as U(-1/sqrt(H), 1/sqrt(H)).
// Cho et al. 2014, "Learning Phrase Representations using RNN Encoder-Decoder
// for Statistical Machine Translation", EMNLP.
#pragma once

#include <cstdint>

#include "layers/module.h"
#include "layers/recurrent/rnn_cell.h"
#include "tensor/random.h"

namespace heed {

// The state-dependent half of a GRU step (the input half is input_projection()).
//   input_projection (B, 3H) = x W_ih^T + b_ih,  h (B, H),  weight_hh_t = W_hh^T (H, 3H)  ->  h' (B, H)
Tensor gru_step(const Tensor& input_projection, const Tensor& h, const Tensor& weight_hh_t, const Tensor& bias_hh);

class GRUCell : public Module {
 public:
  GRUCell(std::int64_t input_size, std::int64_t hidden_size, Generator& gen = default_generator(),
          DType dtype = DType::Float32);

  Tensor forward(const Tensor& x) override;          // from a zero state: (B, I) -> (B, H)
  Tensor forward(const Tensor& x, const Tensor& h);  // (B, I), (B, H) -> (B, H)

  std::int64_t input_size;
  std::int64_t hidden_size;
  Tensor weight_ih;  // (3H, I)
  Tensor weight_hh;  // (3H, H)
  Tensor bias_ih;    // (3H)
  Tensor bias_hh;    // (3H)
};

}  // namespace heed
