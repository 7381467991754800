// The basic layers: float64 gradient checks with respect to inputs and
// parameters, the Module machinery (names, state_dict, train/eval), Dropout's
// statistics, Embedding's padding row, and the initializers' distributions.
#include <algorithm>
#include <cmath>
#include <memory>

#include "helpers.h"
#include "layers/layers.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::values;
using Inputs = std::vector<Tensor>;
using Catch::Contains;

namespace {

struct Moments {
  double mean = 0;
  double std = 0;
  double max_abs = 0;
};

Moments moments_of(const Tensor& t) {
  const auto v = values(t);
  Moments m;
  for (double x : v) m.mean += x;
  m.mean /= static_cast<double>(v.size());
  for (double x : v) {
    m.std += (x - m.mean) * (x - m.mean);
    m.max_abs = std::max(m.max_abs, std::abs(x));
  }
  m.std = std::sqrt(m.std / static_cast<double>(v.size()));
  return m;
}

// Gives a parameter random values so a check does not rely on the ones/zeros it starts with.
void randomize(const Tensor& parameter, std::uint64_t seed) {
  Generator gen(seed);
  uniform_(parameter, 0.5, 1.5, gen);
}

// A nested model for the Module tests: names must compose along the tree.
class Block : public Module {
 public:
  explicit Block(Generator& gen) : Module("Block") {
    linear = register_module("linear", std::make_shared<Linear>(4, 4, true, gen, DType::Float64));
    norm = register_module("norm", std::make_shared<LayerNorm>(4, 1e-5, true, DType::Float64));
  }
  Tensor forward(const Tensor& x) override { return norm->forward(relu(linear->forward(x))); }

  std::shared_ptr<Linear> linear;
  std::shared_ptr<LayerNorm> norm;
};

class TinyNet : public Module {
 public:
  explicit TinyNet(std::uint64_t seed) : Module("TinyNet"), gen(seed) {
    embed = register_module("embed", std::make_shared<Embedding>(6, 4, 0, gen, DType::Float64));
    block = register_module("block", std::make_shared<Block>(gen));
    dropout = register_module("dropout", std::make_shared<Dropout>(0.5, gen));
    head = register_module("head", std::make_shared<Linear>(4, 3, true, gen, DType::Float64));
  }
  Tensor forward(const Tensor& ids) override { return head->forward(dropout->forward(block->forward(embed->forward(ids)))); }

  Generator gen;
  std::shared_ptr<Embedding> embed;
  std::shared_ptr<Block> block;
  std::shared_ptr<Dropout> dropout;
  std::shared_ptr<Linear> head;
};

std::vector<std::string> names_of(const NamedTensors& named) {
  std::vector<std::string> names;
  for (const auto& [name, _] : named) names.push_back(name);
  return names;
}

}  // namespace

// ---- Gradient checks.

TEST_CASE("Linear: gradcheck w.r.t. input, weight and bias", "[layers][gradcheck]") {
  Generator gen(1);
  SECTION("2-D input, with bias") {
    Linear layer(4, 3, true, gen, DType::Float64);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); },
                      {random_input({5, 4}, 11), layer.weight, layer.bias});
  }
  SECTION("3-D input, with bias") {
    Linear layer(3, 2, true, gen, DType::Float64);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); },
                      {random_input({2, 4, 3}, 12), layer.weight, layer.bias});
  }
  SECTION("no bias") {
    Linear layer(3, 5, false, gen, DType::Float64);
    REQUIRE_FALSE(layer.bias.defined());
    REQUIRE(names_of(layer.named_parameters()) == std::vector<std::string>{"weight"});
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); }, {random_input({2, 3}, 13), layer.weight});
  }
}

TEST_CASE("Linear: computes x W^T + b and checks the input's last dim", "[layers]") {
  Linear layer(2, 3, true, default_generator(), DType::Float64);
  layer.load_state_dict({{"weight", from_vector({1, 2, 3, 4, 5, 6}, {3, 2}, DType::Float64)},
                         {"bias", from_vector({0.5, -1, 0}, {3}, DType::Float64)}});
  const Tensor x = from_vector({1, -1, 2, 0.5}, {2, 2}, DType::Float64);
  require_close(layer(x), {-0.5, -2, -1, 3.5, 7, 13}, 1e-12);
  REQUIRE_THROWS_WITH(layer(zeros({4, 5}, DType::Float64)), Contains("Linear: input (4,5)"));
}

TEST_CASE("Embedding: gradcheck w.r.t. the table", "[layers][gradcheck]") {
  Generator gen(2);
  Embedding layer(5, 3, Embedding::kNoPadding, gen, DType::Float64);
  const Tensor ids = from_vector(std::vector<std::int64_t>{1, 3, 1, 0, 4, 3}, {2, 3});
  REQUIRE_GRADCHECK([&](const Inputs&) { return layer(ids); }, {layer.weight});
}

// The padding row is frozen on purpose (its true derivative is not zero), so a
// gradient check cannot cover it; instead: every other row's gradient is the
// plain lookup's, and the padding row's is zero.
TEST_CASE("Embedding: with padding, the gradient is the plain lookup's minus the padding row", "[layers]") {
  Generator gen(2);
  const std::int64_t pad = 3;
  Embedding layer(5, 3, pad, gen, DType::Float64);
  const Tensor ids = from_vector(std::vector<std::int64_t>{1, 3, 1, 0, 4, 3}, {2, 3});
  const Tensor projection = random_input({2, 3, 3}, 21);
  sum(layer(ids) * projection).backward();

  const Tensor table = ops::clone(layer.weight).requires_grad_();
  sum(embedding(table, ids) * projection).backward();
  Tensor expected = ops::clone(table.grad());
  Tensor padding_row = ops::select(expected, 0, pad);
  ops::fill_(padding_row, 0.0);
  require_close(layer.weight.grad(), expected, 1e-12);
}

TEST_CASE("Embedding: the padding row starts at zero and gets no gradient", "[layers]") {
  Generator gen(3);
  const std::int64_t pad = 2;
  Embedding layer(5, 4, pad, gen, DType::Float64);
  require_close(ops::select(layer.weight, 0, pad), std::vector<double>(4, 0.0), 0);
  const Tensor ids = from_vector(std::vector<std::int64_t>{2, 0, 2, 1, 2, 4}, {2, 3});

  SECTION("the row is zero") {
    const Tensor y = layer(ids);  // (2, 3, 4)
    require_close(ops::select(ops::select(y, 0, 0), 0, 0), std::vector<double>(4, 0.0), 0);
    sum(y * random_input({2, 3, 4}, 31)).backward();
  }
  SECTION("the row was loaded with values: they are returned, still untrained (as in PyTorch)") {
    Tensor table = ops::clone(layer.weight);
    Tensor row = ops::select(table, 0, pad);
    ops::fill_(row, 7.0);
    layer.load_state_dict({{"weight", table}});
    const Tensor y = layer(ids);
    require_close(ops::select(ops::select(y, 0, 0), 0, 0), std::vector<double>(4, 7.0), 0);
    sum(y * random_input({2, 3, 4}, 31)).backward();
  }
  const Tensor grad = layer.weight.grad();
  REQUIRE(grad.defined());
  require_close(ops::select(grad, 0, pad), std::vector<double>(4, 0.0), 0);
  REQUIRE(moments_of(ops::select(grad, 0, 1)).max_abs > 0);  // used rows do learn
  require_close(ops::select(grad, 0, 3), std::vector<double>(4, 0.0), 0);  // unused row
}

TEST_CASE("Embedding: N(0, 1) initialization and argument errors", "[layers]") {
  Generator gen(4);
  Embedding layer(400, 100, Embedding::kNoPadding, gen);
  const Moments m = moments_of(layer.weight);
  REQUIRE(std::abs(m.mean) < 0.02);
  REQUIRE(std::abs(m.std - 1.0) < 0.02);
  REQUIRE_THROWS_WITH(Embedding(5, 4, 5, gen), Contains("padding_idx 5 is outside [0, 5)"));
  REQUIRE_THROWS_WITH(Embedding(0, 4, -1, gen), Contains("Embedding: sizes must be positive"));
}

TEST_CASE("LayerNorm: gradcheck w.r.t. input, weight and bias", "[layers][gradcheck]") {
  SECTION("last dim") {
    LayerNorm layer(5, 1e-5, true, DType::Float64);
    randomize(layer.weight, 41);
    randomize(layer.bias, 42);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); },
                      {random_input({3, 5}, 43, -2, 2), layer.weight, layer.bias});
  }
  SECTION("last two dims") {
    LayerNorm layer(Shape{3, 4}, 1e-5, true, DType::Float64);
    randomize(layer.weight, 44);
    randomize(layer.bias, 45);
    REQUIRE(layer.weight.shape() == Shape{3, 4});
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); },
                      {random_input({2, 3, 4}, 46), layer.weight, layer.bias});
  }
  SECTION("no affine parameters") {
    LayerNorm layer(4, 1e-5, false, DType::Float64);
    REQUIRE(layer.parameters().empty());
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); }, {random_input({2, 3, 4}, 47)});
  }
}

TEST_CASE("LayerNorm: zero mean, unit variance per example, shape errors", "[layers]") {
  LayerNorm layer(6, 1e-5, true, DType::Float64);
  const Tensor y = layer(random_input({4, 6}, 48, -3, 5));
  const Tensor row_means = ops::mean(y, {1});
  const Tensor row_vars = ops::var(y, {1}, 0);
  require_close(row_means, std::vector<double>(4, 0.0), 1e-12);
  require_close(row_vars, std::vector<double>(4, 1.0), 1e-4);  // eps shrinks it a little
  REQUIRE_THROWS_WITH(layer(zeros({2, 5}, DType::Float64)), Contains("LayerNorm: input (2,5)"));
  REQUIRE_THROWS_WITH(LayerNorm(Shape{3, 4})(zeros({2, 4, 3})), Contains("normalized_shape (3,4)"));
}

TEST_CASE("RMSNorm: gradcheck w.r.t. input and gain, unit RMS", "[layers][gradcheck]") {
  RMSNorm layer(5, 1e-6, DType::Float64);
  randomize(layer.weight, 51);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); }, {random_input({2, 3, 5}, 52), layer.weight});

  RMSNorm plain(4, 0.0, DType::Float64);
  const Tensor y = plain(from_vector({1, -1, 1, -1, 2, 2, 2, 2}, {2, 4}, DType::Float64));
  require_close(y, {1, -1, 1, -1, 1, 1, 1, 1}, 1e-12);
  REQUIRE_THROWS_WITH(plain(zeros({2, 5})), Contains("RMSNorm: input (2,5)"));
}

TEST_CASE("Dropout: gradcheck with a replayed mask", "[layers][gradcheck]") {
  Generator gen(61);
  Dropout layer(0.4, gen);
  // Reseeding before each call draws the same mask, so y is a fixed linear function of x.
  REQUIRE_GRADCHECK([&](const Inputs& in) {
    gen.seed_(61);
    return layer(in[0]);
  }, {random_input({4, 5}, 62)});
}

TEST_CASE("Activations and Flatten: gradcheck", "[layers][gradcheck]") {
  const Tensor x = random_input({3, 4}, 71, -2, 2);
  ReLU relu_layer;
  GELU gelu_layer;
  Tanh tanh_layer;
  Sigmoid sigmoid_layer;
  ELU elu_layer(0.7);
  for (Module* layer : std::vector<Module*>{&relu_layer, &gelu_layer, &tanh_layer, &sigmoid_layer, &elu_layer}) {
    INFO(layer->type_name());
    REQUIRE(layer->parameters().empty());
    REQUIRE_GRADCHECK([&](const Inputs& in) { return layer->forward(in[0]); }, {x});
  }
  Flatten flatten_layer(1, 2);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return flatten_layer(in[0].transpose(0, 1)); },
                    {random_input({2, 3, 4, 5}, 72)});
}

TEST_CASE("Activations and Flatten: values and shapes", "[layers]") {
  const Tensor x = from_vector({-1, 0.5, 2}, {3}, DType::Float64);
  require_close(ReLU()(x), {0, 0.5, 2}, 1e-12);
  require_close(ELU(2.0)(x), {2 * (std::exp(-1.0) - 1), 0.5, 2}, 1e-12);
  require_close(Tanh()(x), {std::tanh(-1.0), std::tanh(0.5), std::tanh(2.0)}, 1e-12);
  require_close(Sigmoid()(x), {1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(-0.5)), 1 / (1 + std::exp(-2.0))}, 1e-12);
  const auto exact_gelu = [](double v) { return v * 0.5 * (1 + std::erf(v / std::sqrt(2.0))); };
  require_close(GELU()(x), {exact_gelu(-1), exact_gelu(0.5), exact_gelu(2)}, 1e-12);

  const Tensor images = zeros({2, 3, 4, 5});
  REQUIRE(Flatten()(images).shape() == Shape{2, 60});
  REQUIRE(Flatten(1, 2)(images).shape() == Shape{2, 12, 5});
  REQUIRE(Flatten(0, -1)(images).shape() == Shape{120});
}

// ---- Modules.

TEST_CASE("Module: parameter names compose along the tree", "[layers][module]") {
  Generator gen(81);
  Sequential seq({std::make_shared<Linear>(3, 4, true, gen), std::make_shared<ReLU>(),
                  std::make_shared<Linear>(4, 2, false, gen)});
  REQUIRE(names_of(seq.named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight"});
  REQUIRE(seq.num_parameters() == 3 * 4 + 4 + 4 * 2);

  TinyNet net(82);
  REQUIRE(names_of(net.named_parameters()) ==
          std::vector<std::string>{"embed.weight", "block.linear.weight", "block.linear.bias", "block.norm.weight",
                                   "block.norm.bias", "head.weight", "head.bias"});
  for (const Tensor& p : net.parameters()) REQUIRE(p.requires_grad());
}

TEST_CASE("Module: state_dict round trip into a fresh model", "[layers][module]") {
  TinyNet source(91), target(92);
  source.eval();
  target.eval();
  const Tensor ids = from_vector(std::vector<std::int64_t>{1, 0, 5, 2}, {2, 2});
  REQUIRE(values(source(ids)) != values(target(ids)));

  target.load_state_dict(source.state_dict());
  require_close(target(ids), source(ids), 0);
  // The values were copied: the models do not share storage afterwards.
  for (const auto& [name, t] : target.state_dict()) {
    INFO(name);
    for (const auto& [other_name, other] : source.state_dict())
      if (other_name == name) REQUIRE_FALSE(t.shares_storage_with(other));
  }
}

TEST_CASE("Module: load_state_dict names the key that does not fit", "[layers][module]") {
  TinyNet net(101);
  NamedTensors state = net.state_dict();

  SECTION("missing key") {
    NamedTensors missing;
    for (const auto& [name, t] : state)
      if (name != "block.norm.bias") missing.emplace_back(name, t);
    REQUIRE_THROWS_WITH(net.load_state_dict(missing), Contains("missing key 'block.norm.bias'"));
  }
  SECTION("unexpected key") {
    state.emplace_back("block.extra.weight", zeros({2}, DType::Float64));
    REQUIRE_THROWS_WITH(net.load_state_dict(state), Contains("unexpected key 'block.extra.weight'"));
  }
  SECTION("shape mismatch") {
    for (auto& [name, t] : state)
      if (name == "head.weight") t = zeros({4, 3}, DType::Float64);
    REQUIRE_THROWS_WITH(net.load_state_dict(state), Contains("'head.weight' has shape (4,3)") && Contains("(3,4)"));
  }
}

TEST_CASE("Module: train() and eval() reach every child", "[layers][module]") {
  TinyNet net(111);
  REQUIRE(net.is_training());
  net.eval();
  REQUIRE_FALSE(net.is_training());
  REQUIRE_FALSE(net.block->is_training());
  REQUIRE_FALSE(net.block->linear->is_training());
  REQUIRE_FALSE(net.dropout->is_training());
  // In eval mode dropout is the identity, so the output no longer depends on the draw.
  const Tensor ids = from_vector(std::vector<std::int64_t>{3, 1}, {2});
  require_close(net(ids), net(ids), 0);
  net.train();
  REQUIRE(net.block->norm->is_training());
  REQUIRE(net.dropout->is_training());
}

// ---- Dropout.

TEST_CASE("Dropout: zeroes a fraction p, keeps the mean, identity in eval", "[layers]") {
  Generator gen(121);
  const double p = 0.3;
  Dropout layer(p, gen);
  const Tensor x = ones({200000});
  const Tensor y = layer(x);
  const auto v = values(y);
  std::size_t zeroed = 0;
  for (double e : v) {
    if (e == 0) {
      ++zeroed;
    } else {
      REQUIRE(e == Approx(1 / (1 - p)).epsilon(1e-6));
    }
  }
  REQUIRE(static_cast<double>(zeroed) / static_cast<double>(v.size()) == Approx(p).margin(0.005));
  REQUIRE(moments_of(y).mean == Approx(1.0).margin(0.01));

  // A new draw each call.
  REQUIRE(values(layer(x)) != v);

  layer.eval();
  const Tensor z = random_input({3, 4}, 122);
  require_close(layer(z), z, 0);
  layer.train();

  Dropout none(0.0, gen);
  require_close(none(z), z, 0);
  REQUIRE_THROWS_WITH(Dropout(1.0, gen), Contains("expected 0 <= p < 1"));
  REQUIRE_THROWS_WITH(Dropout(-0.1, gen), Contains("Dropout: p = -0.1"));
}

// ---- Initializers.

TEST_CASE("init: fans as PyTorch computes them", "[layers][init]") {
  const Fans linear = compute_fans(zeros({7, 3}));
  REQUIRE(linear.fan_in == 3);
  REQUIRE(linear.fan_out == 7);
  const Fans conv = compute_fans(zeros({16, 4, 3, 5}));  // (out, in/groups, kh, kw)
  REQUIRE(conv.fan_in == 4 * 15);
  REQUIRE(conv.fan_out == 16 * 15);
  REQUIRE_THROWS_WITH(compute_fans(zeros({5})), Contains("at least 2 dims"));
  REQUIRE(calculate_gain(Nonlinearity::ReLU) == Approx(std::sqrt(2.0)));
  REQUIRE(calculate_gain(Nonlinearity::Tanh) == Approx(5.0 / 3.0));
  REQUIRE(calculate_gain(Nonlinearity::LeakyReLU, std::sqrt(5.0)) == Approx(std::sqrt(1.0 / 3.0)));
}

TEST_CASE("init: xavier and kaiming bounds and standard deviations", "[layers][init]") {
  Generator gen(131);
  SECTION("xavier_uniform_") {
    Tensor w = empty({300, 500}, DType::Float64);
    xavier_uniform_(w, gen);
    const double bound = std::sqrt(6.0 / 800.0);
    const Moments m = moments_of(w);
    REQUIRE(m.max_abs <= bound);
    REQUIRE(m.max_abs > 0.99 * bound);
    REQUIRE(m.std == Approx(bound / std::sqrt(3.0)).epsilon(0.02));
    REQUIRE(std::abs(m.mean) < 0.002);
  }
  SECTION("xavier_normal_ with a gain") {
    Tensor w = empty({300, 500}, DType::Float64);
    xavier_normal_(w, gen, 2.0);
    REQUIRE(moments_of(w).std == Approx(2.0 * std::sqrt(2.0 / 800.0)).epsilon(0.02));
  }
  SECTION("kaiming_uniform_ on a conv weight") {
    Tensor w = empty({64, 8, 3, 3}, DType::Float64);
    kaiming_uniform_(w, gen);
    const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 72.0);
    const Moments m = moments_of(w);
    REQUIRE(m.max_abs <= bound);
    REQUIRE(m.std == Approx(bound / std::sqrt(3.0)).epsilon(0.02));
  }
  SECTION("kaiming_normal_ by fan_out for ReLU") {
    Tensor w = empty({400, 300});
    kaiming_normal_(w, gen, 0.0, FanMode::FanOut, Nonlinearity::ReLU);
    REQUIRE(moments_of(w).std == Approx(std::sqrt(2.0 / 400.0)).epsilon(0.02));
  }
  SECTION("Linear's default: weight and bias in [-1/sqrt(in), 1/sqrt(in)]") {
    Linear layer(256, 300, true, gen);
    const double bound = 1.0 / 16.0;
    const Moments w = moments_of(layer.weight);
    REQUIRE(w.max_abs <= bound);
    REQUIRE(w.std == Approx(bound / std::sqrt(3.0)).epsilon(0.02));
    REQUIRE(moments_of(layer.bias).max_abs <= bound);
  }
}

TEST_CASE("init: normal_, uniform_, constants, in place, reproducible, outside the graph", "[layers][init]") {
  Generator gen(141);
  Tensor t = zeros({200, 200}, DType::Float64).requires_grad_();
  const Tensor same_handle = normal_(t, 3.0, 0.5, gen);
  REQUIRE(same_handle.shares_storage_with(t));
  REQUIRE(t.is_leaf());
  const Moments m = moments_of(t);
  REQUIRE(m.mean == Approx(3.0).margin(0.01));
  REQUIRE(m.std == Approx(0.5).epsilon(0.02));

  uniform_(t, -2.0, 1.0, gen);
  const auto v = values(t);
  REQUIRE(*std::min_element(v.begin(), v.end()) >= -2.0);
  REQUIRE(*std::max_element(v.begin(), v.end()) < 1.0);
  REQUIRE(moments_of(t).mean == Approx(-0.5).margin(0.01));

  Generator a(7), b(7);
  REQUIRE(values(xavier_uniform_(empty({5, 6}), a)) == values(xavier_uniform_(empty({5, 6}), b)));

  require_close(zeros_(t), std::vector<double>(200 * 200, 0.0), 0);
  require_close(ones_(t), std::vector<double>(200 * 200, 1.0), 0);
  REQUIRE_THROWS_WITH(xavier_uniform_(empty({5}), gen), Contains("xavier_uniform_: fan in and fan out need"));
  REQUIRE_THROWS_WITH(normal_(zeros({2}, DType::Int64), 0, 1, gen), Contains("normal_: needs a float32"));
}
