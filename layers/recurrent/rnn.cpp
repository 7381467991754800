#include "layers/recurrent/rnn.h"

#include <algorithm>
#include <memory>
#include <string>

#include "autograd/function.h"
#include "tensor/ops.h"

namespace heed {

// ---- unbind_steps ------------------------------------------------------------
//
// Why not select(x, 0, t) for each t? select's backward places its step's
// gradient into a fresh zero tensor of x's full shape, and the engine then
// sums T such tensors: for a (T, B, 3H) projection that is T full-size
// allocations and additions, O(T^2 B H) memory traffic for O(T B H) of data.
//
// Here the steps read from `collected`, a pass-through of x. Every step's
// backward copies its gradient into its row of one shared buffer. The first
// step to run also hands the engine a stand-in gradient for `collected` (a
// zero broadcast from one element, so nothing is allocated), which makes the
// engine run the collector's backward; the engine runs it only after every
// step that depends on it (reverse topological order), so by then the buffer
// is complete, and the collector returns it as x's gradient and resets the
// buffer for the next backward pass.
namespace {
struct SharedStepGradient {
  Tensor buffer;  // x's shape; undefined until the first step's backward runs
};
}  // namespace

std::vector<Tensor> unbind_steps(const Tensor& x) {
  HEED_CHECK(x.dim() >= 1, "unbind_steps: needs a tensor with a time dim first, got shape ", shape_str(x.shape()));
  const std::int64_t steps = x.size(0);
  std::vector<Tensor> pieces;
  pieces.reserve(static_cast<std::size_t>(steps));
  if (!autograd::any_needs_grad({&x})) {
    for (std::int64_t t = 0; t < steps; ++t) pieces.push_back(ops::select(x, 0, t));
    return pieces;
  }
  auto shared = std::make_shared<SharedStepGradient>();
  const Tensor collected = autograd::record("unbind_steps", x.detach(), {x}, [shared](const Tensor&) {
    Tensor gradient = std::move(shared->buffer);
    shared->buffer = Tensor();
    return autograd::grads(gradient);
  });
  for (std::int64_t t = 0; t < steps; ++t) {
    pieces.push_back(autograd::record(
        "unbind_steps.step", ops::select(collected, 0, t), {collected},
        [shared, t, shape = x.shape()](const Tensor& g) {
          const bool first = !shared->buffer.defined();
          if (first) shared->buffer = zeros(shape, g.dtype(), g.device());
          Tensor row = ops::select(shared->buffer, 0, t);
          ops::copy_(row, g);
          return autograd::grads(first ? ops::expand(zeros({}, g.dtype(), g.device()), shape) : Tensor());
        }));
  }
  return pieces;
}

// ---- The sequence layers -------------------------------------------------------

namespace {

std::int64_t gate_count(RecurrentLayer::Cell cell) {
  switch (cell) {
    case RecurrentLayer::Cell::RNN: return 1;
    case RecurrentLayer::Cell::GRU: return 3;
    case RecurrentLayer::Cell::LSTM: return 4;
  }
  return 0;
}

// What the lengths say about a batch, read once on the host: the loop needs
// them to know how many steps to run and where masking starts.
struct Padding {
  std::vector<std::int64_t> lengths;  // (B)
  std::int64_t shortest = 0;          // every sequence is real for t < shortest
  std::int64_t longest = 0;           // no sequence is real for t >= longest
  Tensor step_mask;                   // (T, B, 1): 1 real, 0 padding; undefined when nothing is padded
  Tensor reverse_rows;                // (T*B) int64: row t*B + b of a time-major tensor comes from row
                                      // (len_b - 1 - t)*B + b, so each sequence reverses within its length
};

Padding read_padding(const Tensor& lengths, std::int64_t batch, std::int64_t steps, DType dtype, Device device,
                     bool needs_reverse) {
  Padding p;
  if (lengths.defined()) {
    HEED_CHECK(lengths.dim() == 1 && lengths.size(0) == batch && !is_floating(lengths.dtype()),
               "recurrent layer: lengths must be an int64 tensor of shape (", batch, "), got ",
               dtype_name(lengths.dtype()), " ", shape_str(lengths.shape()));
    p.lengths = ops::to(lengths, kCPU).to_vector<std::int64_t>();
    for (std::int64_t len : p.lengths)
      HEED_CHECK(len >= 1 && len <= steps, "recurrent layer: a sequence length of ", len,
                 " is outside [1, ", steps, "]; every sequence needs at least one real step and at most T");
  } else {
    p.lengths.assign(static_cast<std::size_t>(batch), steps);
  }
  p.shortest = *std::min_element(p.lengths.begin(), p.lengths.end());
  p.longest = *std::max_element(p.lengths.begin(), p.lengths.end());
  if (p.shortest < steps) {
    std::vector<double> mask(static_cast<std::size_t>(steps * batch));
    for (std::int64_t t = 0; t < steps; ++t)
      for (std::int64_t b = 0; b < batch; ++b) mask[t * batch + b] = t < p.lengths[b] ? 1.0 : 0.0;
    p.step_mask = ops::to(ops::to(from_vector(mask, {steps, batch, 1}), dtype), device);
  }
  if (needs_reverse) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(steps * batch));
    for (std::int64_t t = 0; t < steps; ++t)
      for (std::int64_t b = 0; b < batch; ++b) {
        const std::int64_t len = p.lengths[b];
        const std::int64_t source_step = t < len ? len - 1 - t : t;  // padding stays where it is
        rows[t * batch + b] = source_step * batch + b;
      }
    p.reverse_rows = ops::to(from_vector(rows, {steps * batch}), device);
  }
  return p;
}

// Reverses each sequence of a time-major (T, B, F) tensor within its own length.
// The permutation is its own inverse, so the same call puts outputs back.
Tensor reverse_within_lengths(const Tensor& x, const Padding& padding) {
  const std::int64_t steps = x.size(0), batch = x.size(1), features = x.size(2);
  const Tensor rows = index_select(reshape(x, {steps * batch, features}), 0, padding.reverse_rows);
  return reshape(rows, {steps, batch, features});
}

}  // namespace

RecurrentLayer::RecurrentLayer(const char* type_name, Cell cell_kind, std::int64_t input, std::int64_t hidden,
                               const RecurrentOptions& options, Generator& gen)
    : Module(type_name),
      cell(cell_kind),
      input_size(input),
      hidden_size(hidden),
      num_layers(options.num_layers),
      bidirectional(options.bidirectional),
      nonlinearity(options.nonlinearity) {
  HEED_CHECK(input > 0 && hidden > 0 && num_layers > 0, type_name, ": input_size, hidden_size and num_layers ",
             "must be positive, got ", input, ", ", hidden, ", ", num_layers);
  const std::int64_t gates = gate_count(cell) * hidden;
  for (std::int64_t layer = 0; layer < num_layers; ++layer) {
    const std::int64_t layer_input = layer == 0 ? input : num_directions() * hidden;
    for (std::int64_t direction = 0; direction < num_directions(); ++direction) {
      const std::string suffix = "_l" + std::to_string(layer) + (direction == 1 ? "_reverse" : "");
      auto init = [&](const Shape& shape) { return detail::recurrent_init(shape, hidden, gen, options.dtype); };
      Weights w;
      w.weight_ih = register_parameter("weight_ih" + suffix, init({gates, layer_input}));
      w.weight_hh = register_parameter("weight_hh" + suffix, init({gates, hidden}));
      w.bias_ih = register_parameter("bias_ih" + suffix, init({gates}));
      w.bias_hh = register_parameter("bias_hh" + suffix, init({gates}));
      weights_.push_back(w);
    }
  }
}

const RecurrentLayer::Weights& RecurrentLayer::weights(std::int64_t layer, std::int64_t direction) const {
  HEED_CHECK(layer >= 0 && layer < num_layers && direction >= 0 && direction < num_directions(), type_name(),
             ": no weights for layer ", layer, " direction ", direction, " (", num_layers, " layers, ",
             num_directions(), " directions)");
  return weights_[static_cast<std::size_t>(layer * num_directions() + direction)];
}

Tensor RecurrentLayer::forward(const Tensor& x) { return forward(x, Tensor()).outputs; }

RecurrentOutput RecurrentLayer::forward(const Tensor& x, const Tensor& lengths, const Tensor& h0, const Tensor& c0) {
  const std::string& name = type_name();
  HEED_CHECK(x.dim() == 3 && x.size(2) == input_size, name, ": input has shape ", shape_str(x.shape()),
             "; expected (batch, time, ", input_size, "), batch first");
  const DType dtype = weights_.front().weight_ih.dtype();
  HEED_CHECK(x.dtype() == dtype, name, ": input is ", dtype_name(x.dtype()), " but the layer's parameters are ",
             dtype_name(dtype), "; convert the input with .to(...)");
  const std::int64_t batch = x.size(0), steps = x.size(1), directions = num_directions();
  const Shape state_shape{num_layers * directions, batch, hidden_size};
  for (const Tensor* given : {&h0, &c0})
    HEED_CHECK(!given->defined() || given->shape() == state_shape, name, ": initial state has shape ",
               shape_str(given->shape()), "; expected ", shape_str(state_shape), " (layers*directions, batch, hidden)");
  HEED_CHECK(!c0.defined() || cell == Cell::LSTM, name, ": c0 is given, but only an LSTM has a cell state");

  const Padding padding = read_padding(lengths, batch, steps, dtype, x.device(), bidirectional);
  const Tensor zero_state = zeros({batch, hidden_size}, dtype, x.device());
  auto initial = [&](const Tensor& given, std::int64_t index) {
    return given.defined() ? select(given, 0, index) : zero_state;
  };

  std::vector<Tensor> final_h, final_c;
  Tensor layer_input = contiguous(x.transpose(0, 1));  // (T, B, I): time-major, so each step is one block
  for (std::int64_t layer = 0; layer < num_layers; ++layer) {
    std::vector<Tensor> direction_outputs;
    for (std::int64_t direction = 0; direction < directions; ++direction) {
      const Weights& w = weights(layer, direction);
      const bool reverse = direction == 1;
      const Tensor inputs = reverse ? reverse_within_lengths(layer_input, padding) : layer_input;  // (T, B, I_k)
      const std::vector<Tensor> projections = unbind_steps(input_projection(inputs, w.weight_ih, w.bias_ih));
      const Tensor weight_hh_t = w.weight_hh.transpose(0, 1);  // (H, G*H), transposed once per sequence

      const std::int64_t index = layer * directions + direction;
      LSTMState state{initial(h0, index), cell == Cell::LSTM ? initial(c0, index) : Tensor()};
      std::vector<Tensor> outputs;  // (B, H) per step
      outputs.reserve(static_cast<std::size_t>(steps));
      for (std::int64_t t = 0; t < padding.longest; ++t) {
        const Tensor& projection = projections[static_cast<std::size_t>(t)];  // (B, G*H)
        LSTMState next;
        switch (cell) {
          case Cell::RNN: next.h = rnn_step(projection, state.h, weight_hh_t, w.bias_hh, nonlinearity); break;
          case Cell::GRU: next.h = gru_step(projection, state.h, weight_hh_t, w.bias_hh); break;
          case Cell::LSTM: next = lstm_step(projection, state, weight_hh_t, w.bias_hh); break;
        }
        outputs.push_back(next.h);
        if (t >= padding.shortest) {  // some sequences have ended: they keep their state
          const Tensor running = ops::select(padding.step_mask, 0, t);  // (B, 1)
          next.h = where(running, next.h, state.h);
          if (next.c.defined()) next.c = where(running, next.c, state.c);
        }
        state = next;
      }
      final_h.push_back(state.h);
      if (state.c.defined()) final_c.push_back(state.c);

      Tensor out = stack(outputs, 0);  // (longest, B, H)
      if (padding.longest < steps)
        out = concat({out, zeros({steps - padding.longest, batch, hidden_size}, dtype, x.device())}, 0);
      if (padding.step_mask.defined()) out = out * padding.step_mask;  // zero at padded positions
      direction_outputs.push_back(reverse ? reverse_within_lengths(out, padding) : out);
    }
    layer_input = directions == 1 ? direction_outputs.front() : concat(direction_outputs, 2);  // (T, B, D*H)
  }

  RecurrentOutput result;
  result.outputs = contiguous(layer_input.transpose(0, 1));  // (B, T, D*H)
  result.h_n = stack(final_h, 0);                            // (L*D, B, H)
  if (!final_c.empty()) result.c_n = stack(final_c, 0);
  return result;
}

RNN::RNN(std::int64_t input, std::int64_t hidden, const RecurrentOptions& options, Generator& gen)
    : RecurrentLayer("RNN", Cell::RNN, input, hidden, options, gen) {}

GRU::GRU(std::int64_t input, std::int64_t hidden, const RecurrentOptions& options, Generator& gen)
    : RecurrentLayer("GRU", Cell::GRU, input, hidden, options, gen) {}

LSTM::LSTM(std::int64_t input, std::int64_t hidden, const RecurrentOptions& options, Generator& gen)
    : RecurrentLayer("LSTM", Cell::LSTM, input, hidden, options, gen) {}

}  // namespace heed
