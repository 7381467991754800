// heed's recurrent cells and layers against PyTorch, on the inputs, states,
// parameters and projections that tests/fixtures/make_rnn_fixtures.py
// recorded in float64. The parameters load by their PyTorch names through
// load_state_dict, unchanged. Outputs, final states and the gradients of
//   L = sum(output * R) + sum(h_n * R2) [+ sum(c_n * R3)]
// with respect to the input, the initial states and every parameter must
// agree to 1e-9 (relative). The sequence cases use padded batches, so they
// check heed's masking against pack_padded_sequence.
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "fixture.h"
#include "layers/recurrent/rnn.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::load_parameters;
using heed::test::require_close;

namespace {

constexpr double kTolerance = 1e-9;

Fixture load_fixture(const std::string& name) { return heed::test::load_fixture("rnn", name); }

// Backpropagates L and compares every result, then the gradient of every leaf and parameter.
void require_results_and_gradients(const Fixture& f, const std::vector<std::pair<std::string, Tensor>>& results,
                                   const NamedTensors& leaves, const Module& module) {
  const std::map<std::string, std::string> projection_of{
      {"output", "R"}, {"h_n", "R2"}, {"c_n", "R3"}, {"h_next", "R"}, {"c_next", "R2"}};
  Tensor loss = scalar_tensor(0, DType::Float64);
  for (const auto& [key, value] : results) {
    INFO(f.name << ": " << key);
    require_close(value, f[key], kTolerance);
    loss = loss + sum(value * f[projection_of.at(key)]);
  }
  loss.backward();
  NamedTensors checked = leaves;
  for (const auto& named : module.named_parameters()) checked.push_back(named);
  for (const auto& [key, t] : checked) {
    INFO(f.name << ": gradient of " << key);
    REQUIRE(t.grad().defined());
    require_close(t.grad(), f["grad." + key], kTolerance);
  }
}

}  // namespace

TEST_CASE("torch fixtures: GRUCell and LSTMCell", "[rnn][fixtures]") {
  Generator gen(1);
  SECTION("GRUCell") {
    const Fixture f = load_fixture("gru_cell");
    GRUCell cell(f.integer("input_size"), f.integer("hidden_size"), gen, DType::Float64);
    load_parameters(cell, f);
    const Tensor x = f.leaf("x"), h = f.leaf("h");
    require_results_and_gradients(f, {{"h_next", cell.forward(x, h)}}, {{"x", x}, {"h", h}}, cell);
  }
  SECTION("LSTMCell") {
    const Fixture f = load_fixture("lstm_cell");
    LSTMCell cell(f.integer("input_size"), f.integer("hidden_size"), gen, DType::Float64);
    load_parameters(cell, f);
    const Tensor x = f.leaf("x"), h = f.leaf("h"), c = f.leaf("c");
    const LSTMState next = cell.forward(x, {h, c});
    require_results_and_gradients(f, {{"h_next", next.h}, {"c_next", next.c}}, {{"x", x}, {"h", h}, {"c", c}}, cell);
  }
}

TEST_CASE("torch fixtures: GRU and LSTM over padded batches (pack_padded_sequence)", "[rnn][fixtures]") {
  Generator gen(2);
  for (const std::string name : {"gru_bidir_2layer", "lstm_bidir_2layer", "gru_1layer_no_lengths"}) {
    INFO(name);
    const Fixture f = load_fixture(name);
    const RecurrentOptions options{.num_layers = f.integer("num_layers"),
                                   .bidirectional = f.config.at("bidirectional").get<bool>(),
                                   .dtype = DType::Float64};
    const bool lstm = f.config.at("kind") == "LSTM";
    std::shared_ptr<RecurrentLayer> layer;
    if (lstm)
      layer = std::make_shared<LSTM>(f.integer("input_size"), f.integer("hidden_size"), options, gen);
    else
      layer = std::make_shared<GRU>(f.integer("input_size"), f.integer("hidden_size"), options, gen);
    load_parameters(*layer, f);

    const Tensor x = f.leaf("x"), h0 = f.leaf("h0");
    const Tensor c0 = lstm ? f.leaf("c0") : Tensor();
    const RecurrentOutput out = layer->forward(x, f["lengths"], h0, c0);
    std::vector<std::pair<std::string, Tensor>> results{{"output", out.outputs}, {"h_n", out.h_n}};
    NamedTensors leaves{{"x", x}, {"h0", h0}};
    if (lstm) {
      results.emplace_back("c_n", out.c_n);
      leaves.emplace_back("c0", c0);
    }
    require_results_and_gradients(f, results, leaves, *layer);
  }
}
