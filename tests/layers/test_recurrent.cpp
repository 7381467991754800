// Recurrent cells and layers, and the sequence attention variants: float64
// gradient checks against central differences, the padding rules (a padded
// sequence behaves exactly as if it ran alone), masking, and the registry.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "helpers.h"
#include "layers/attention/additive.h"
#include "layers/attention/none.h"
#include "layers/attention/registry.h"
#include "layers/recurrent/rnn.h"

using namespace heed;
using heed::test::flat;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::with_parameters;
using Inputs = std::vector<Tensor>;

namespace {

constexpr DType f64 = DType::Float64;

Tensor int64s(const std::vector<std::int64_t>& values) {
  return from_vector(values, {static_cast<std::int64_t>(values.size())});
}

// Everything a sequence layer returns, flattened into one tensor for gradcheck.
Tensor all_results(const RecurrentOutput& out) {
  std::vector<Tensor> parts{flat(out.outputs), flat(out.h_n)};
  if (out.c_n.defined()) parts.push_back(flat(out.c_n));
  return concat(parts, 0);
}

}  // namespace

// ---- Cells ---------------------------------------------------------------------

TEST_CASE("RNNCell, GRUCell, LSTMCell: PyTorch's parameter names and shapes", "[rnn]") {
  Generator gen(1);
  GRUCell gru(3, 4, gen);
  const NamedTensors params = gru.named_parameters();
  REQUIRE(params.size() == 4);
  CHECK(params[0].first == "weight_ih");
  CHECK(params[0].second.shape() == Shape{12, 3});
  CHECK(params[1].first == "weight_hh");
  CHECK(params[1].second.shape() == Shape{12, 4});
  CHECK(params[2].first == "bias_ih");
  CHECK(params[3].first == "bias_hh");
  LSTMCell lstm(3, 4, gen);
  CHECK(lstm.weight_ih.shape() == Shape{16, 3});
  RNNCell rnn(3, 4, gen);
  CHECK(rnn.weight_hh.shape() == Shape{4, 4});
  // U(-1/sqrt(H), 1/sqrt(H)) with H = 4: every value within 0.5.
  for (double v : heed::test::values(lstm.weight_hh)) CHECK(std::abs(v) <= 0.5);
  CHECK(gru.forward(zeros({2, 3})).shape() == Shape{2, 4});
}

TEST_CASE("gradcheck: RNNCell, GRUCell, LSTMCell (input, state, all four parameters)", "[rnn][gradcheck]") {
  Generator gen(2);
  const Tensor x = random_input({3, 4}, 21);
  const Tensor h = random_input({3, 5}, 22);
  const Tensor c = random_input({3, 5}, 23);
  SECTION("RNNCell tanh and relu") {
    for (RNNNonlinearity nl : {RNNNonlinearity::Tanh, RNNNonlinearity::ReLU}) {
      RNNCell cell(4, 5, gen, nl, f64);
      REQUIRE_GRADCHECK([&](const Inputs& in) { return cell.forward(in[0], in[1]); }, with_parameters({x, h}, cell));
    }
  }
  SECTION("GRUCell") {
    GRUCell cell(4, 5, gen, f64);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return cell.forward(in[0], in[1]); }, with_parameters({x, h}, cell));
  }
  SECTION("LSTMCell: both h' and c'") {
    LSTMCell cell(4, 5, gen, f64);
    REQUIRE_GRADCHECK([&](const Inputs& in) {
      const LSTMState next = cell.forward(in[0], LSTMState{in[1], in[2]});
      return concat({next.h, next.c}, 1);
    }, with_parameters({x, h, c}, cell));
  }
}

TEST_CASE("GRUCell computes PyTorch's equations, including r * (W_hn h + b_hn)", "[rnn]") {
  Generator gen(3);
  GRUCell cell(2, 3, gen, f64);
  const Tensor x = random_input({2, 2}, 31), h = random_input({2, 3}, 32);
  NoGradGuard no_grad;
  auto part = [](const Tensor& t, int k) { return narrow(t, 0, 3 * k, 3); };  // rows of gate k
  auto affine = [](const Tensor& in, const Tensor& w, const Tensor& b) { return matmul(in, w.transpose(0, 1)) + b; };
  const Tensor r = sigmoid(affine(x, part(cell.weight_ih, 0), part(cell.bias_ih, 0)) +
                           affine(h, part(cell.weight_hh, 0), part(cell.bias_hh, 0)));
  const Tensor z = sigmoid(affine(x, part(cell.weight_ih, 1), part(cell.bias_ih, 1)) +
                           affine(h, part(cell.weight_hh, 1), part(cell.bias_hh, 1)));
  const Tensor n = tanh(affine(x, part(cell.weight_ih, 2), part(cell.bias_ih, 2)) +
                        r * affine(h, part(cell.weight_hh, 2), part(cell.bias_hh, 2)));
  require_close(cell.forward(x, h), (1.0 - z) * n + z * h, 1e-12);
}

// ---- Sequence layers ---------------------------------------------------------

TEST_CASE("GRU and LSTM layers: PyTorch's parameter names, output shapes", "[rnn]") {
  Generator gen(4);
  LSTM lstm(3, 5, {.num_layers = 2, .bidirectional = true}, gen);
  std::vector<std::string> names;
  for (const auto& [name, _] : lstm.named_parameters()) names.push_back(name);
  REQUIRE(names.size() == 16);
  CHECK(names[0] == "weight_ih_l0");
  CHECK(names[3] == "bias_hh_l0");
  CHECK(names[4] == "weight_ih_l0_reverse");
  CHECK(names[8] == "weight_ih_l1");
  CHECK(names[15] == "bias_hh_l1_reverse");
  CHECK(lstm.weights(1, 0).weight_ih.shape() == Shape{20, 10});  // layer 1 reads both directions

  const RecurrentOutput out = lstm.forward(zeros({2, 7, 3}), int64s({7, 4}));
  CHECK(out.outputs.shape() == Shape{2, 7, 10});
  CHECK(out.h_n.shape() == Shape{4, 2, 5});
  CHECK(out.c_n.shape() == Shape{4, 2, 5});

  GRU gru(3, 5, {}, gen);
  const RecurrentOutput g = gru.forward(zeros({2, 7, 3}), Tensor());
  CHECK(g.outputs.shape() == Shape{2, 7, 5});
  CHECK(g.h_n.shape() == Shape{1, 2, 5});
  CHECK_FALSE(g.c_n.defined());
  CHECK(gru.forward(zeros({2, 7, 3})).shape() == Shape{2, 7, 5});
}

TEST_CASE("recurrent layers reject wrong inputs with a clear message", "[rnn]") {
  Generator gen(5);
  GRU gru(3, 4, {}, gen);
  CHECK_THROWS_WITH(gru.forward(zeros({2, 5, 2})), Catch::Contains("expected (batch, time, 3)"));
  CHECK_THROWS_WITH(gru.forward(zeros({2, 5, 3}), int64s({5, 0})), Catch::Contains("outside [1, 5]"));
  CHECK_THROWS_WITH(gru.forward(zeros({2, 5, 3}), Tensor(), Tensor(), zeros({1, 2, 4})),
                    Catch::Contains("only an LSTM"));
  CHECK_THROWS_WITH(gru.forward(zeros({2, 5, 3}, f64)), Catch::Contains("convert the input"));
}

TEST_CASE("gradcheck: GRU and LSTM, 2 layers, bidirectional, with lengths", "[rnn][gradcheck]") {
  Generator gen(6);
  const Tensor x = random_input({3, 4, 3}, 61);
  const Tensor lengths = int64s({4, 2, 3});
  SECTION("GRU") {
    GRU gru(3, 2, {.num_layers = 2, .bidirectional = true, .dtype = f64}, gen);
    const Tensor h0 = random_input({4, 3, 2}, 62);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return all_results(gru.forward(in[0], lengths, in[1])); },
                      with_parameters({x, h0}, gru));
  }
  SECTION("LSTM") {
    LSTM lstm(3, 2, {.num_layers = 2, .bidirectional = true, .dtype = f64}, gen);
    const Tensor h0 = random_input({4, 3, 2}, 63), c0 = random_input({4, 3, 2}, 64);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return all_results(lstm.forward(in[0], lengths, in[1], in[2])); },
                      with_parameters({x, h0, c0}, lstm));
  }
  SECTION("RNN, one direction, no lengths") {
    RNN rnn(3, 2, {.num_layers = 2, .dtype = f64}, gen);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return all_results(rnn.forward(in[0], Tensor())); },
                      with_parameters({x}, rnn));
  }
}

TEST_CASE("padding never leaks: a padded sequence gives what it gives alone", "[rnn]") {
  Generator gen(7);
  const std::int64_t steps = 6, hidden = 3;
  const std::vector<std::int64_t> lengths{6, 4, 1};
  const Tensor x = random_input({3, steps, 2}, 71);
  for (const bool lstm : {false, true}) {
    INFO((lstm ? "LSTM" : "GRU"));
    const RecurrentOptions options{.num_layers = 2, .bidirectional = true, .dtype = f64};
    std::shared_ptr<RecurrentLayer> layer;
    if (lstm)
      layer = std::make_shared<LSTM>(2, hidden, options, gen);
    else
      layer = std::make_shared<GRU>(2, hidden, options, gen);
    NoGradGuard no_grad;
    const RecurrentOutput batched = layer->forward(x, int64s(lengths));

    // Other garbage in the padding changes nothing.
    Tensor noisy = clone(x);
    Tensor padding_of_b1 = narrow(select(noisy, 0, 1), 0, 4, 2);
    ops::copy_(padding_of_b1, full({2, 2}, 100.0, f64));
    const RecurrentOutput with_noise = layer->forward(noisy, int64s(lengths));
    require_close(with_noise.outputs, batched.outputs, 1e-12);
    require_close(with_noise.h_n, batched.h_n, 1e-12);

    for (std::int64_t b = 0; b < 3; ++b) {
      INFO("sequence " << b);
      const std::int64_t len = lengths[static_cast<std::size_t>(b)];
      const Tensor alone_input = narrow(narrow(x, 0, b, 1), 1, 0, len);  // (1, len, 2)
      const RecurrentOutput alone = layer->forward(alone_input, Tensor());
      require_close(narrow(narrow(batched.outputs, 0, b, 1), 1, 0, len), alone.outputs, 1e-12);
      require_close(narrow(batched.h_n, 1, b, 1), alone.h_n, 1e-12);
      if (lstm) require_close(narrow(batched.c_n, 1, b, 1), alone.c_n, 1e-12);
      if (len < steps) {  // outputs at padded positions are exactly zero
        const Tensor padded = narrow(narrow(batched.outputs, 0, b, 1), 1, len, steps - len);
        for (double v : heed::test::values(padded)) REQUIRE(v == 0.0);
      }
    }
  }
}

TEST_CASE("padding gets no gradient", "[rnn]") {
  Generator gen(8);
  GRU gru(2, 3, {.bidirectional = true, .dtype = f64}, gen);
  const Tensor x = random_input({2, 5, 2}, 81);
  const RecurrentOutput out = gru.forward(x, int64s({5, 2}));
  (sum(out.outputs) + sum(out.h_n)).backward();
  const Tensor padding_grad = narrow(select(x.grad(), 0, 1), 0, 2, 3);
  for (double v : heed::test::values(padding_grad)) REQUIRE(v == 0.0);
}

TEST_CASE("unbind_steps equals select and sums gradients like it", "[rnn]") {
  const Tensor x = random_input({4, 2, 3}, 91);
  REQUIRE_GRADCHECK([](const Inputs& in) {
    const std::vector<Tensor> steps = unbind_steps(in[0]);
    // Steps used twice, once, and not at all (step 3) must all get their gradient right.
    return concat({steps[0] * steps[1], steps[1] * 2.0, tanh(steps[2])}, 1);
  }, {x});
  // Twice through the same graph: the shared buffer starts fresh each pass.
  const std::vector<Tensor> steps = unbind_steps(x * 1.0);
  const Tensor loss = sum(steps[0] * 3.0) + sum(steps[2]);
  loss.backward(Tensor(), /*retain_graph=*/true);
  const std::vector<double> first = heed::test::values(x.grad());
  Tensor(x).zero_grad();
  loss.backward();
  require_close(x.grad(), first, 0);
  CHECK(first[0] == 3.0);
  CHECK(first[6] == 0.0);
  CHECK(first[12] == 1.0);
}

// ---- Sequence attention ------------------------------------------------------

TEST_CASE("gradcheck: additive attention (query, keys, values, W1, W2, v) with a masked key", "[rnn][attention]") {
  Generator gen(10);
  AdditiveAttention attention({.query_dim = 3, .key_dim = 4, .attn_dim = 5, .dtype = f64}, gen);
  const Tensor query = random_input({2, 3}, 101);
  const Tensor keys = random_input({2, 4, 4}, 102);
  const Tensor values = random_input({2, 4, 2}, 103);
  const Tensor mask = from_vector({1, 1, 1, 0, 1, 1, 1, 1}, {2, 4}, f64);
  REQUIRE_GRADCHECK([&](const Inputs& in) {
    const AttentionResult r = attention.attend(in[0], in[1], in[2], mask);
    return concat({flat(r.context), flat(r.weights)}, 0);
  }, with_parameters({query, keys, values}, attention));
  // prepare() precomputes W2 K; attend gives the same with or without it.
  const AttentionResult plain = attention.attend(query, keys, values, mask);
  attention.prepare(keys);
  const AttentionResult prepared = attention.attend(query, keys, values, mask);
  require_close(prepared.context, plain.context, 1e-14);
  require_close(prepared.weights, plain.weights, 1e-14);
  // The masked key gets exactly zero weight and the rows sum to 1.
  CHECK(heed::test::values(plain.weights)[3] == 0.0);
  require_close(sum(plain.weights, {1}), {1.0, 1.0}, 1e-12);
  CHECK(attention.named_parameters()[0].first == "v");
  CHECK(attention.named_parameters()[1].first == "query_proj.weight");
  CHECK(attention.named_parameters()[2].first == "key_proj.weight");
}

TEST_CASE("additive attention: a row with every key masked gets zero weights, never NaN", "[rnn][attention]") {
  Generator gen(11);
  AdditiveAttention attention({.query_dim = 3, .key_dim = 3, .dtype = f64}, gen);
  const Tensor query = random_input({2, 3}, 111);
  const Tensor keys = random_input({2, 4, 3}, 112);
  const Tensor mask = from_vector({0, 0, 0, 0, 1, 1, 0, 0}, {2, 4}, f64);
  const AttentionResult r = attention.attend(query, keys, keys, mask);
  require_close(select(r.weights, 0, 0), {0, 0, 0, 0}, 0);
  require_close(select(r.context, 0, 0), {0, 0, 0}, 0);
  require_close(sum(select(r.weights, 0, 1)), {1.0}, 1e-12);
  sum(r.context).backward();
  for (const Tensor& t : {query, keys, attention.v})
    for (double v : heed::test::values(t.grad())) REQUIRE(std::isfinite(v));
}

TEST_CASE("none attention: no context, no weights, and it says so", "[rnn][attention]") {
  NoAttention none;
  CHECK_FALSE(none.produces_context());
  const AttentionResult r = none.attend(zeros({2, 3}), zeros({2, 4, 3}), zeros({2, 4, 3}), Tensor());
  CHECK_FALSE(r.context.defined());
  CHECK_FALSE(r.weights.defined());
  CHECK(none.num_parameters() == 0);
}

TEST_CASE("sequence attention registry", "[rnn][attention]") {
  const std::vector<std::string> names = sequence_attention_names();
  CHECK(std::find(names.begin(), names.end(), "additive") != names.end());
  CHECK(std::find(names.begin(), names.end(), "none") != names.end());
  CHECK(sequence_attention_description("additive").find("Bahdanau") != std::string::npos);

  Generator gen(12);
  const auto additive = make_sequence_attention("additive", {.query_dim = 4, .key_dim = 6}, gen);
  CHECK(dynamic_cast<AdditiveAttention*>(additive.get()) != nullptr);
  CHECK(additive->num_parameters() == 4 * 4 + 4 * 6 + 4);  // W1 (A=4, 4), W2 (4, 6), v (4)
  CHECK_FALSE(make_sequence_attention("none", {}, gen)->produces_context());

  CHECK_THROWS_AS(make_sequence_attention("bahdanau", {.query_dim = 4, .key_dim = 4}, gen), Error);
  CHECK_THROWS_WITH(make_sequence_attention("bahdanau", {.query_dim = 4, .key_dim = 4}, gen),
                    Catch::Contains("none") && Catch::Contains("additive") && Catch::Contains("'bahdanau'"));

  // A program can add its own variant at run time.
  register_sequence_attention("test-uniform", "every real key weighs the same", [](const auto&, Generator&) {
    struct Uniform : SequenceAttention {
      Uniform() : SequenceAttention("Uniform") {}
      AttentionResult attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& m) override {
        return weigh_values(zeros({q.size(0), k.size(1)}, q.dtype()), v, m);
      }
    };
    return std::make_shared<Uniform>();
  });
  const auto uniform = make_sequence_attention("test-uniform", {}, gen);
  const AttentionResult r = uniform->attend(zeros({1, 2}), zeros({1, 4, 2}), ones({1, 4, 2}),
                                            from_vector({1, 1, 0, 0}, {1, 4}));
  require_close(r.weights, {0.5, 0.5, 0, 0}, 1e-7);
  CHECK_THROWS_WITH(register_sequence_attention("additive", "again", nullptr), Catch::Contains("needs"));
  CHECK_THROWS_WITH(register_sequence_attention("test-uniform", "again", [](const auto&, Generator&) {
                      return std::shared_ptr<SequenceAttention>();
                    }),
                    Catch::Contains("already registered"));
}
