// The worked example of docs/adding-attention.md, compiled and checked, so the
// page cannot drift from the library: the same CosineAttention class,
// registered at run time, with the four checks the page asks of every variant
// (gradient, masks, an equality with a known computation, a few training steps).
#include <cmath>
#include <vector>

#include "helpers.h"
#include "layers/attention/transformer_registry.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

// ---- The class exactly as docs/adding-attention.md shows it. ----
class CosineAttention : public ProjectedAttention {
 public:
  CosineAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator());

  Tensor scale;  // g (H)

 protected:
  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;
};

CosineAttention::CosineAttention(const TransformerAttentionConfig& config, Generator& gen)
    : ProjectedAttention("CosineAttention", config, config.heads, gen) {
  scale = register_parameter("scale", full({heads()}, std::sqrt(static_cast<double>(head_dim())), config.dtype));
}

TransformerAttentionOutput CosineAttention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                         const AttentionCall& call) {
  const auto unit = [](const Tensor& x) { return x * rsqrt(sum(square(x), {-1}, true) + 1e-6); };
  Tensor scores = matmul(unit(q), transpose(unit(k), -2, -1));  // (B, H, Tq, Tk), each in [-1, 1]
  scores = scores * reshape(scale, {1, heads(), 1, 1});
  const Tensor mask = attention_mask_bias(call.key_mask, call.causal, q.size(2), k.size(2), q.dtype());
  if (mask.defined()) scores = scores + mask;
  const Tensor weights = softmax(scores, -1);  // a fully masked row becomes zeros, never NaN
  return {matmul(weights, v), call.keep_weights ? weights : Tensor()};
}
// ---- End of the example. ----

std::shared_ptr<TransformerAttention> make_cosine(std::uint64_t seed) {
  static const bool registered = [] {
    register_transformer_attention("test-cosine", "cosine scores with a learned scale per head, Henry 2020",
                                   [](const TransformerAttentionConfig& c, Generator& g) {
                                     return std::make_shared<CosineAttention>(c, g);
                                   });
    return true;
  }();
  (void)registered;
  Generator gen(seed);
  TransformerAttentionConfig config;
  config.model_dim = 8;
  config.heads = 2;
  config.dtype = DType::Float64;
  return make_transformer_attention("test-cosine", config, gen);
}

}  // namespace

TEST_CASE("the documented cosine attention registers and passes its gradient check", "[attention][docs]") {
  const auto attention = make_cosine(1);
  const auto names = transformer_attention_names();
  CHECK(std::find(names.begin(), names.end(), "test-cosine") != names.end());
  CHECK(transformer_attention_capabilities("test-cosine").find("causal") != std::string::npos);
  const Tensor x = random_input({2, 3, 8}, 2), memory = random_input({2, 4, 8}, 3);
  const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
  auto self = [&](const std::vector<Tensor>& in) {
    return attention->forward({.query = in[0], .memory = in[0], .causal = true}).output;
  };
  auto cross = [&](const std::vector<Tensor>& in) {
    return attention->forward({.query = in[0], .memory = in[1], .key_mask = key_mask}).output;
  };
  REQUIRE_GRADCHECK(self, {x});
  REQUIRE_GRADCHECK(cross, {x, memory});
  auto through_parameters = [&](const std::vector<Tensor>&) {
    return attention->forward({.query = x, .memory = memory, .key_mask = key_mask}).output;
  };
  REQUIRE_GRADCHECK(through_parameters, attention->parameters());
}

TEST_CASE("the documented cosine attention masks keys and equals dense attention on unit vectors",
          "[attention][docs]") {
  const auto attention = make_cosine(4);
  const Tensor x = random_input({2, 3, 8}, 5);
  const Tensor key_mask = from_vector({1, 1, 0, 0, 0, 0}, {2, 3});  // sentence 2 is all padding
  const TransformerAttentionOutput out =
      attention->forward({.query = x, .memory = x, .key_mask = key_mask, .keep_weights = true});
  for (double w : out.weights.to_vector<double>()) CHECK(std::isfinite(w));
  require_close(select(out.weights, 0, 1), std::vector<double>(2 * 3 * 3, 0.0), 0);
  require_close(narrow(select(out.weights, 0, 0), -1, 2, 1), std::vector<double>(2 * 3, 0.0), 0);

  // With g = sqrt(Dh) the scores are those of dense scaled-dot attention over
  // unit-length queries and keys scaled by sqrt(Dh).
  NoGradGuard no_grad;
  const Tensor q = random_input({1, 2, 3, 4}, 6), k = random_input({1, 2, 5, 4}, 7), v = random_input({1, 2, 5, 4}, 8);
  struct Exposed : CosineAttention {
    using CosineAttention::attend_heads;
    using CosineAttention::CosineAttention;
  };
  TransformerAttentionConfig config;
  config.model_dim = 8;
  config.heads = 2;
  config.dtype = DType::Float64;
  Exposed exposed(config);
  const auto unit = [](const Tensor& t) { return t / sqrt(sum(square(t), {-1}, true) + 1e-6); };
  const DenseAttention reference = dense_attention(unit(q) * 2.0, unit(k) * 2.0, v, Tensor(), true, nullptr);
  require_close(exposed.attend_heads(q, k, v, {.query = Tensor(), .causal = true}).output, reference.output, 1e-12);
}

TEST_CASE("the documented cosine attention trains: a few Adam steps lower the loss", "[attention][docs]") {
  const auto attention = make_cosine(9);
  Tensor x = random_input({4, 5, 8}, 10), target = random_input({4, 5, 8}, 11);
  x.requires_grad_(false);
  optim::Adam adam(attention->parameters(), {.lr = 0.02});
  std::vector<double> losses;
  for (int step = 0; step < 30; ++step) {
    const Tensor out = attention->forward({.query = x, .memory = x, .causal = true}).output;
    Tensor loss = mean(square(out - target));
    losses.push_back(loss.item());
    loss.backward();
    adam.step();
    adam.zero_grad();
  }
  for (double l : losses) CHECK(std::isfinite(l));
  CHECK(losses.back() < 0.7 * losses.front());
}
