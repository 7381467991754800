// The shared pieces of Transformer attention: head splitting, the mask bias,
// the dense reference, and multi-head attention with its K/V-sharing forms.
#include <cmath>
#include <limits>
#include <vector>

#include "helpers.h"
#include "layers/attention/gqa.h"
#include "layers/attention/mha.h"
#include "layers/attention/mqa.h"
#include "layers/attention/transformer_registry.h"
#include "layers/position/registry.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

TransformerAttentionConfig small_config(std::int64_t heads = 2, std::int64_t kv_heads = 0) {
  TransformerAttentionConfig c;
  c.model_dim = 8;
  c.heads = heads;
  c.kv_heads = kv_heads;
  c.dtype = DType::Float64;
  return c;
}

// Softmax(q k^T / sqrt(d)) v for one head, written out by hand.
std::vector<double> naive_head(const std::vector<double>& q, const std::vector<double>& k,
                               const std::vector<double>& v, std::int64_t tq, std::int64_t tk, std::int64_t d,
                               const std::vector<bool>& allowed) {
  std::vector<double> out(tq * d, 0.0);
  for (std::int64_t i = 0; i < tq; ++i) {
    std::vector<double> s(tk, -std::numeric_limits<double>::infinity());
    double top = -std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < tk; ++j) {
      if (!allowed[i * tk + j]) continue;
      double dot = 0;
      for (std::int64_t c = 0; c < d; ++c) dot += q[i * d + c] * k[j * d + c];
      s[j] = dot / std::sqrt(static_cast<double>(d));
      top = std::max(top, s[j]);
    }
    double total = 0;
    for (std::int64_t j = 0; j < tk; ++j) total += allowed[i * tk + j] ? std::exp(s[j] - top) : 0.0;
    for (std::int64_t j = 0; j < tk; ++j) {
      if (!allowed[i * tk + j]) continue;
      const double a = std::exp(s[j] - top) / total;
      for (std::int64_t c = 0; c < d; ++c) out[i * d + c] += a * v[j * d + c];
    }
  }
  return out;
}

}  // namespace

TEST_CASE("split_heads and merge_heads are inverses", "[attention][transformer]") {
  const Tensor x = random_input({2, 3, 8}, 1);
  const Tensor heads = split_heads(x, 4);
  CHECK(heads.shape() == Shape({2, 4, 3, 2}));
  require_close(merge_heads(heads), x, 0);
  // Head h holds channels [h * Dh, (h + 1) * Dh).
  require_close(select(select(heads, 1, 2), 1, 1), select(narrow(x, 2, 4, 2), 1, 1), 0);
  CHECK_THROWS_WITH(split_heads(x, 3), Catch::Contains("split_heads") && Catch::Contains("(2,3,8)"));
}

TEST_CASE("dense_attention matches a hand-written softmax, with causal and padding masks",
          "[attention][transformer]") {
  const Tensor q = random_input({1, 1, 3, 2}, 2), k = random_input({1, 1, 4, 2}, 3), v = random_input({1, 1, 4, 2}, 4);
  const Tensor key_mask = from_vector({1, 1, 1, 0}, {1, 4});
  // Causal with 3 queries over 4 keys: query i sits at position i + 1.
  const DenseAttention a = dense_attention(q, k, v, key_mask, /*causal=*/true, nullptr);
  std::vector<bool> allowed(12);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) allowed[i * 4 + j] = j <= i + 1 && j < 3;
  require_close(a.output, naive_head(q.to_vector<double>(), k.to_vector<double>(), v.to_vector<double>(), 3, 4, 2,
                                     allowed), 1e-12);
  // Weights are zero exactly where a key is blocked, and rows sum to one.
  const auto w = a.weights.to_vector<double>();
  for (int i = 0; i < 3; ++i) {
    double total = 0;
    for (int j = 0; j < 4; ++j) {
      if (!allowed[i * 4 + j]) CHECK(w[i * 4 + j] == 0.0);
      total += w[i * 4 + j];
    }
    CHECK(total == Approx(1.0));
  }
}

TEST_CASE("a query whose keys are all padding gets zeros, not NaN", "[attention][transformer]") {
  Generator gen(5);
  MultiHeadAttention mha(small_config(), gen);
  const Tensor x = random_input({2, 3, 8}, 6);
  const Tensor key_mask = from_vector({1, 1, 0, 0, 0, 0}, {2, 3});  // the second sentence is all padding
  AttentionCall call{.query = x, .memory = x, .key_mask = key_mask, .keep_weights = true};
  const TransformerAttentionOutput out = mha.forward(call);
  for (double w : out.weights.to_vector<double>()) CHECK(std::isfinite(w));
  require_close(select(out.weights, 0, 1), std::vector<double>(2 * 3 * 3, 0.0), 0);
  // With no weight on any value, the output is the output projection's bias.
  for (std::int64_t t = 0; t < 3; ++t) require_close(select(select(out.output, 0, 1), 0, t), mha.out_proj->bias, 1e-12);
}

TEST_CASE("mha, mqa and gqa pass their gradient checks", "[attention][transformer][gradcheck]") {
  for (std::int64_t kv : {4, 1, 2}) {
    Generator gen(7);
    TransformerAttentionConfig c = small_config(4, kv);
    std::shared_ptr<TransformerAttention> attention;
    if (kv == 4) attention = std::make_shared<MultiHeadAttention>(c, gen);
    if (kv == 1) attention = std::make_shared<MultiQueryAttention>(c, gen);
    if (kv == 2) attention = std::make_shared<GroupedQueryAttention>(c, gen);
    INFO(attention->type_name());
    const Tensor x = random_input({2, 3, 8}, 8), memory = random_input({2, 4, 8}, 9);
    const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
    auto self = [&](const std::vector<Tensor>& in) {
      return attention->forward({.query = in[0], .memory = in[0], .causal = true}).output;
    };
    auto cross = [&](const std::vector<Tensor>& in) {
      return attention->forward({.query = in[0], .memory = in[1], .key_mask = key_mask}).output;
    };
    REQUIRE_GRADCHECK(self, {x});
    REQUIRE_GRADCHECK(cross, {x, memory});
    std::vector<Tensor> params = attention->parameters();
    auto through_weights = [&](const std::vector<Tensor>&) {
      return attention->forward({.query = x, .memory = memory, .key_mask = key_mask}).output;
    };
    REQUIRE_GRADCHECK(through_weights, params);
  }
}

TEST_CASE("mqa and gqa have fewer key/value parameters and equal mha when heads are copied",
          "[attention][transformer]") {
  Generator gen(10);
  MultiHeadAttention mha(small_config(4), gen);
  MultiQueryAttention mqa(small_config(4), gen);
  GroupedQueryAttention gqa(small_config(4, 2), gen);
  CHECK(mqa.k_proj->weight.shape() == Shape({2, 8}));  // one head of Dh = 2
  CHECK(gqa.k_proj->weight.shape() == Shape({4, 8}));  // two heads
  CHECK(mha.k_proj->weight.shape() == Shape({8, 8}));
  // gqa with K/V heads [a, b] is mha whose K/V heads are [a, a, b, b].
  NoGradGuard no_grad;
  const auto copy_rows = [](const Tensor& from, const Tensor& to, std::int64_t groups, std::int64_t dh) {
    for (std::int64_t h = 0; h < to.size(0) / dh; ++h) {
      Tensor rows = narrow(to, 0, h * dh, dh);
      ops::copy_(rows, narrow(from, 0, (h / groups) * dh, dh));
    }
  };
  ops::copy_(mha.q_proj->weight, gqa.q_proj->weight);
  ops::copy_(mha.q_proj->bias, gqa.q_proj->bias);
  ops::copy_(mha.out_proj->weight, gqa.out_proj->weight);
  ops::copy_(mha.out_proj->bias, gqa.out_proj->bias);
  copy_rows(gqa.k_proj->weight, mha.k_proj->weight, 2, 2);
  copy_rows(gqa.k_proj->bias, mha.k_proj->bias, 2, 2);
  copy_rows(gqa.v_proj->weight, mha.v_proj->weight, 2, 2);
  copy_rows(gqa.v_proj->bias, mha.v_proj->bias, 2, 2);
  const Tensor x = random_input({2, 5, 8}, 11);
  require_close(mha.forward({.query = x, .memory = x, .causal = true}).output,
                gqa.forward({.query = x, .memory = x, .causal = true}).output, 1e-12);
}

TEST_CASE("transformer attention calls are checked", "[attention][transformer]") {
  Generator gen(12);
  MultiHeadAttention mha(small_config(), gen);
  const Tensor x = random_input({2, 3, 8}, 13);
  CHECK_THROWS_WITH(mha.forward({.query = random_input({2, 3, 6}, 1), .memory = x}),
                    Catch::Contains("MultiHeadAttention") && Catch::Contains("(2,3,6)"));
  CHECK_THROWS_WITH(mha.forward({.query = x, .memory = x, .key_mask = ones({2, 4})}),
                    Catch::Contains("key_mask") && Catch::Contains("(2,4)"));
  TransformerAttentionConfig bad = small_config(3);
  CHECK_THROWS_WITH(MultiHeadAttention(bad, gen), Catch::Contains("multiple of heads"));
  TransformerAttentionConfig bad_groups = small_config(4, 3);
  CHECK_THROWS_WITH(GroupedQueryAttention(bad_groups, gen), Catch::Contains("key/value heads"));
}

TEST_CASE("the transformer attention and position registries", "[attention][transformer]") {
  for (const char* name : {"mha", "mqa", "gqa"}) {
    INFO(name);
    CHECK(transformer_attention_capabilities(name).find("causal") != std::string::npos);
  }
  CHECK_THROWS_WITH(make_transformer_attention("telepathy", small_config()),
                    Catch::Contains("'telepathy'") && Catch::Contains("mha") && Catch::Contains("gqa"));
  const auto none = make_positional_encoding("none", {.model_dim = 8});
  CHECK(none->kind() == PositionKind::None);
  const Tensor x = random_input({1, 2, 8}, 14);
  require_close(none->embed(x), x, 0);
  CHECK_THROWS_WITH(make_positional_encoding("telepathy", {}), Catch::Contains("none"));
  const Tensor d = relative_distances(2, 3, 1);  // queries at 1, 2; keys at 0, 1, 2
  CHECK(d.to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, 0, 1, -2, -1, 0});
}
