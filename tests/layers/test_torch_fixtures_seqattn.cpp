// dot, scaled-dot and general against PyTorch's F.scaled_dot_product_attention
// with one query position, on the inputs, padding masks, W and projections
// that tests/fixtures/make_seqattn_fixtures.py recorded in float64. The
// context, the weights and the gradients of
//   L = sum(context * R) + sum(weights * R2)
// with respect to q, K, V (and W for general) must agree to 1e-9 (relative).
#include <string>

#include "fixture.h"
#include "layers/attention/registry.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::require_close;

TEST_CASE("torch fixtures: dot, scaled-dot and general sequence attention", "[seqattn][fixtures]") {
  constexpr double kTolerance = 1e-9;
  for (const auto& [name, file] : {std::pair<std::string, std::string>{"dot", "dot"},
                                   {"scaled-dot", "scaled_dot"}, {"general", "general"}}) {
    INFO(name);
    const Fixture f = heed::test::load_fixture("seqattn", file);
    Generator gen(1);
    const auto attention = make_sequence_attention(
        name, {.query_dim = f.integer("query_dim"), .key_dim = f.integer("key_dim"), .dtype = DType::Float64}, gen);
    NamedTensors state;
    for (const auto& [key, _] : attention->named_parameters()) state.emplace_back(key, f[key]);
    attention->load_state_dict(state);

    const Tensor query = f.leaf("query"), keys = f.leaf("keys"), values = f.leaf("values");
    const AttentionResult r = attention->attend(query, keys, values, f["mask"]);
    require_close(r.context, f["context"], kTolerance);
    require_close(r.weights, f["weights"], kTolerance);
    (sum(r.context * f["R"]) + sum(r.weights * f["R2"])).backward();
    NamedTensors checked{{"query", query}, {"keys", keys}, {"values", values}};
    for (const auto& named : attention->named_parameters()) checked.push_back(named);
    for (const auto& [key, t] : checked) {
      INFO("gradient of " << key);
      REQUIRE(t.grad().defined());
      require_close(t.grad(), f["grad." + key], kTolerance);
    }
  }
}
