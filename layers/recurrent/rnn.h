// RNN, GRU, LSTM: recurrent layers over whole sequences, stacked and
// optionally bidirectional, with PyTorch's parameter names.
//
// Layer l, direction d runs its cell (rnn_cell.h, gru_cell.h, lstm_cell.h)
// over the time steps:
//   forward  direction:  h_t = cell(x_t, h_{t-1}),  t = 1 .. T
//   backward direction:  h_t = cell(x_t, h_{t+1}),  t = T .. 1
// Layer 0 reads x; layer l > 0 reads layer l-1's outputs, both directions
// concatenated: [h_t(forward); h_t(backward)].
//
//   x        (B, T, I)         batch first; the only layout heed supports
//   lengths  (B) int64         optional: sequence b is real for t < lengths[b], padding after
//   h0, c0   (L*D, B, H)       optional initial states (zero by default), D = 2 if bidirectional
//   outputs  (B, T, D*H)       the top layer's states, [forward; backward]
//   h_n, c_n (L*D, B, H)       each layer and direction's last state, index l*D + d
//
// Padding never leaks into a state. At step t the step mask m_t (B, 1) is 1
// for sequences still running and 0 for those already ended:
//   h_t = m_t * cell(x_t, h_{t-1}) + (1 - m_t) * h_{t-1}
// so a finished sequence's state stops changing, and h_n holds the state after
// each sequence's own last real step. Outputs at padded positions are zero.
// The backward direction starts at each sequence's own last real token, not
// at T: its inputs are reversed within each length (x_{len-1}, ..., x_0, then
// the padding) and its outputs put back in place. These are PyTorch's
// results with pack_padded_sequence, and the fixture tests check that.
//
// Parameters, per layer k and direction (suffix "_reverse" for backward):
//   weight_ih_l{k} (G*H, I_k)  weight_hh_l{k} (G*H, H)  bias_ih_l{k} (G*H)  bias_hh_l{k} (G*H)
// with G = 1 (RNN), 3 (GRU: r, z, n), 4 (LSTM: i, f, g, o) and I_0 = I,
// I_k = D*H; all drawn from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch does.
//
// Speed: the input half of every gate, x_t W_ih^T + b_ih, does not depend on
// the state, so each layer and direction computes it for all steps in one
// matmul over (T*B, I) and only h_{t-1} W_hh^T runs step by step.
#pragma once

#include <cstdint>
#include <vector>

#include "layers/module.h"
#include "layers/recurrent/gru_cell.h"
#include "layers/recurrent/lstm_cell.h"
#include "layers/recurrent/rnn_cell.h"
#include "tensor/random.h"

namespace heed {

struct RecurrentOptions {
  std::int64_t num_layers = 1;
  bool bidirectional = false;
  RNNNonlinearity nonlinearity = RNNNonlinearity::Tanh;  // RNN only
  DType dtype = DType::Float32;
};

struct RecurrentOutput {
  Tensor outputs;  // (B, T, D*H), zero at padded positions
  Tensor h_n;      // (L*D, B, H)
  Tensor c_n;      // (L*D, B, H), LSTM only; undefined for RNN and GRU
};

// What RNN, GRU and LSTM share; they differ only in their cell.
class RecurrentLayer : public Module {
 public:
  enum class Cell { RNN, GRU, LSTM };

  // The outputs (B, T, D*H) of a batch without padding, from zero states.
  Tensor forward(const Tensor& x) override;
  // The full form: lengths, h0 and c0 may each be undefined (no padding, zero states).
  // c0 is for LSTM only.
  RecurrentOutput forward(const Tensor& x, const Tensor& lengths, const Tensor& h0 = Tensor(),
                          const Tensor& c0 = Tensor());

  std::int64_t num_directions() const { return bidirectional ? 2 : 1; }

  Cell cell;
  std::int64_t input_size;
  std::int64_t hidden_size;
  std::int64_t num_layers;
  bool bidirectional;
  RNNNonlinearity nonlinearity;

  struct Weights {
    Tensor weight_ih;  // (G*H, I_k)
    Tensor weight_hh;  // (G*H, H)
    Tensor bias_ih;    // (G*H)
    Tensor bias_hh;    // (G*H)
  };
  // The parameters of layer `layer`, direction `direction` (0 forward, 1 backward).
  const Weights& weights(std::int64_t layer, std::int64_t direction) const;

 protected:
  RecurrentLayer(const char* type_name, Cell cell, std::int64_t input_size, std::int64_t hidden_size,
                 const RecurrentOptions& options, Generator& gen);

 private:
  std::vector<Weights> weights_;  // index layer * D + direction
};

class RNN : public RecurrentLayer {
 public:
  RNN(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options = {},
      Generator& gen = default_generator());
};

class GRU : public RecurrentLayer {
 public:
  GRU(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options = {},
      Generator& gen = default_generator());
};

class LSTM : public RecurrentLayer {
 public:
  LSTM(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options = {},
       Generator& gen = default_generator());
};

// x (T, ...) -> its T steps x[0], ..., x[T-1], each (...) and differentiable.
// The same values as select(x, 0, t) for every t, but the backward pass costs
// O(size of x) instead of O(T * size of x): all steps write their gradients
// into one shared buffer (see rnn.cpp). Recurrent loops use it to walk a
// precomputed (T, B, G*H) input projection.
std::vector<Tensor> unbind_steps(const Tensor& x);

}  // namespace heed
