// The sparse variants (local, strided, fixed, longformer) against dense
// attention with the same pattern applied as a mask, their gradients, their
// fully masked rows, and their memory against mha.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/sparse_attention.h"
#include "layers/attention/transformer_registry.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

using Rule = std::function<bool(std::int64_t i, std::int64_t j)>;

// The catalog's rules, written out plainly (the causal rule j <= i is dense_attention's).
struct Case {
  std::string name;
  TransformerAttentionConfig config;
  Rule allowed;
};

TransformerAttentionConfig config_with(std::int64_t window, std::int64_t block, std::int64_t summary,
                                       std::int64_t global_tokens, std::int64_t max_len = 1024) {
  TransformerAttentionConfig c;
  c.model_dim = 8;
  c.heads = 2;
  c.window = window;
  c.block = block;
  c.summary = summary;
  c.global_tokens = global_tokens;
  c.max_len = max_len;
  c.dtype = DType::Float64;
  return c;
}

std::vector<Case> cases() {
  auto distance = [](std::int64_t i, std::int64_t j) { return i > j ? i - j : j - i; };
  auto local = [=](std::int64_t w) { return [=](std::int64_t i, std::int64_t j) { return distance(i, j) <= w; }; };
  auto strided = [=](std::int64_t s) {
    return [=](std::int64_t i, std::int64_t j) { return distance(i, j) < s || (i - j) % s == 0; };
  };
  auto fixed = [](std::int64_t s, std::int64_t c) {
    return [=](std::int64_t i, std::int64_t j) { return i / s == j / s || j % s >= s - c; };
  };
  auto longformer = [=](std::int64_t w, std::int64_t g) {
    return [=](std::int64_t i, std::int64_t j) { return distance(i, j) <= w || i < g || j < g; };
  };
  return {
      {"local", config_with(2, 0, 1, 0), local(2)},
      {"local", config_with(0, 0, 1, 0), local(0)},
      {"strided", config_with(0, 3, 1, 0), strided(3)},
      {"strided", config_with(0, 0, 1, 0, /*max_len=*/10), strided(4)},  // block 0: ceil(sqrt(10)) = 4
      {"fixed", config_with(0, 3, 1, 0), fixed(3, 1)},
      {"fixed", config_with(0, 4, 2, 0), fixed(4, 2)},
      {"longformer", config_with(2, 0, 1, 2), longformer(2, 2)},
      {"longformer", config_with(1, 0, 1, 0), longformer(1, 0)},
  };
}

// A ScoreBias stand-in that makes dense_attention apply a sparse pattern:
// -inf outside it, plus an inner encoding's bias when one is given.
class PatternMask : public PositionalEncoding {
 public:
  PatternMask(Rule allowed, PositionalEncoding* inner)
      : PositionalEncoding("PatternMask"), allowed_(allowed), inner_(inner) {}
  PositionKind kind() const override { return PositionKind::ScoreBias; }
  Tensor score_bias(const Tensor& distances) override {  // (T, T) from dense self-attention
    const std::int64_t t = distances.size(0);
    std::vector<double> bias(t * t);
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = 0; j < t; ++j)
        bias[i * t + j] = allowed_(i, j) ? 0.0 : -std::numeric_limits<double>::infinity();
    const Tensor mask = from_vector(bias, {t, t});
    return inner_ ? inner_->score_bias(distances) + mask : mask;
  }

 private:
  Rule allowed_;
  PositionalEncoding* inner_;
};

// A learned per-head bias for each distance clipped to [-reach, reach] (t5-like), to test ScoreBias.
class TableBias : public PositionalEncoding {
 public:
  TableBias(std::int64_t heads, std::int64_t reach) : PositionalEncoding("TableBias"), reach_(reach) {
    table = register_parameter("table", random_input({2 * reach + 1, heads}, 40).detach());
  }
  PositionKind kind() const override { return PositionKind::ScoreBias; }
  Tensor score_bias(const Tensor& d) override {
    const Tensor index = minimum(maximum(d, int_scalar(-reach_)), int_scalar(reach_)) + reach_;
    Dims heads_first{d.dim()};
    for (std::int64_t k = 0; k < d.dim(); ++k) heads_first.push_back(k);
    return permute(embedding(table, index), heads_first);  // (H, S...)
  }
  Tensor table;

 private:
  std::int64_t reach_;
};

// The variant's own projections around dense_attention with the pattern as a mask.
DenseAttention reference(ProjectedAttention& a, const Tensor& x, const Tensor& key_mask, bool causal,
                         PositionalEncoding* mask) {
  const Tensor q = split_heads(a.q_proj->forward(x), a.heads()), k = split_heads(a.k_proj->forward(x), a.heads()),
               v = split_heads(a.v_proj->forward(x), a.heads());
  const DenseAttention d = dense_attention(q, k, v, key_mask, causal, mask);
  return {a.out_proj->forward(merge_heads(d.output)), d.weights};
}

std::shared_ptr<ProjectedAttention> make(const Case& c, std::uint64_t seed = 3) {
  Generator gen(seed);
  return std::dynamic_pointer_cast<ProjectedAttention>(make_transformer_attention(c.name, c.config, gen));
}

// Batch of two: the first sequence is all real, the second ends in two padded positions.
Tensor padding_mask(std::int64_t t) {
  std::vector<double> m(2 * t, 1.0);
  for (std::int64_t j = std::max<std::int64_t>(t - 2, 0); j < t; ++j) m[t + j] = 0.0;
  return from_vector(m, {2, t});
}

}  // namespace

TEST_CASE("sparse variants equal dense attention with their pattern as a mask", "[sparse]") {
  TableBias table(2, 3);
  for (const Case& c : cases()) {
    const auto attention = make(c);
    for (std::int64_t t : {1, 2, 5, 6, 7, 10}) {
      const Tensor x = random_input({2, t, 8}, 100 + t);
      for (bool causal : {false, true})
        for (bool padded : {false, true})
          for (PositionalEncoding* bias :
               {static_cast<PositionalEncoding*>(nullptr), static_cast<PositionalEncoding*>(&table)}) {
            INFO(attention->type_name() << " T=" << t << " causal=" << causal << " padded=" << padded
                                        << " bias=" << (bias != nullptr));
            const Tensor key_mask = padded ? padding_mask(t) : Tensor();
            PatternMask mask(c.allowed, bias);
            const DenseAttention want = reference(*attention, x, key_mask, causal, &mask);
            const TransformerAttentionOutput got = attention->forward({.query = x,
                                                                       .memory = x,
                                                                       .key_mask = key_mask,
                                                                       .causal = causal,
                                                                       .position = bias,
                                                                       .keep_weights = true});
            require_close(got.output, want.output, 1e-10);
            require_close(got.weights, want.weights, 1e-10);
          }
    }
  }
}

TEST_CASE("sparse weights are zero outside the pattern and rows sum to one", "[sparse]") {
  for (const Case& c : cases()) {
    const auto attention = make(c);
    const std::int64_t t = 11;
    const Tensor x = random_input({1, t, 8}, 7);
    for (bool causal : {false, true}) {
      INFO(attention->type_name() << " causal=" << causal);
      const auto w = attention->forward({.query = x, .memory = x, .causal = causal, .keep_weights = true}).weights;
      REQUIRE(w.shape() == Shape({1, 2, t, t}));
      const auto values = w.to_vector<double>();
      for (std::int64_t h = 0; h < 2; ++h)
        for (std::int64_t i = 0; i < t; ++i) {
          double total = 0;
          for (std::int64_t j = 0; j < t; ++j) {
            const double a = values[(h * t + i) * t + j];
            const bool inside = c.allowed(i, j) && (!causal || j <= i);
            if (!inside) CHECK(a == 0.0);
            if (inside) CHECK(a > 0.0);
            total += a;
          }
          CHECK(total == Approx(1.0).epsilon(1e-12));
        }
    }
  }
}

TEST_CASE("a sparse query whose keys are all padding gets zeros, not NaN", "[sparse]") {
  for (const Case& c : cases()) {
    const auto attention = make(c);
    INFO(attention->type_name());
    const Tensor x = random_input({2, 7, 8}, 8);
    // Sequence 0 starts with four padded keys; sequence 1 is all padding.
    const Tensor key_mask = from_vector({0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, {2, 7});
    const auto out =
        attention->forward({.query = x, .memory = x, .key_mask = key_mask, .causal = true, .keep_weights = true});
    for (double v : out.output.to_vector<double>()) REQUIRE(std::isfinite(v));
    require_close(select(out.weights, 0, 1), std::vector<double>(2 * 7 * 7, 0.0), 0);
    for (std::int64_t i = 0; i < 7; ++i)
      require_close(select(select(out.output, 0, 1), 0, i), attention->out_proj->bias, 1e-12);
    // Causal: queries 0..3 of sequence 0 have only padded keys at or before them.
    require_close(narrow(select(out.weights, 0, 0), 1, 0, 4), std::vector<double>(2 * 4 * 7, 0.0), 0);
    for (std::int64_t i = 0; i < 4; ++i)
      require_close(select(select(out.output, 0, 0), 0, i), attention->out_proj->bias, 1e-12);
  }
}

TEST_CASE("sparse variants pass their gradient checks on inputs, parameters and score biases", "[sparse][gradcheck]") {
  for (const Case& c : cases()) {
    const auto attention = make(c);
    INFO(attention->type_name());
    TableBias table(2, 2);
    const Tensor x = random_input({2, 5, 8}, 9);
    const Tensor key_mask = padding_mask(5);
    auto causal_padded = [&](const std::vector<Tensor>& in) {
      return attention->forward({.query = in[0], .memory = in[0], .key_mask = key_mask, .causal = true}).output;
    };
    auto biased = [&](const std::vector<Tensor>& in) {
      return attention->forward({.query = in[0], .memory = in[0], .position = &table}).output;
    };
    REQUIRE_GRADCHECK(causal_padded, {x});
    REQUIRE_GRADCHECK(biased, {x});
    std::vector<Tensor> params = attention->parameters();
    params.push_back(table.table);
    auto through_parameters = [&](const std::vector<Tensor>&) {
      return attention->forward({.query = x, .memory = x, .key_mask = key_mask, .position = &table}).output;
    };
    REQUIRE_GRADCHECK(through_parameters, params);
  }
}

TEST_CASE("sparse variants refuse what their patterns cannot do", "[sparse]") {
  Generator gen(1);
  for (const char* name : {"local", "strided", "fixed", "longformer"}) {
    INFO(name);
    CHECK(transformer_attention_capabilities(name) == "self, causal; positions: absolute, rotary, score bias");
    const auto attention = make_transformer_attention(name, config_with(2, 2, 1, 1), gen);
    const Tensor x = random_input({1, 4, 8}, 2), memory = random_input({1, 4, 8}, 3);
    CHECK_THROWS_WITH(attention->forward({.query = x, .memory = memory}), Catch::Contains("only as self-attention"));
  }
  CHECK_THROWS_WITH(make_transformer_attention("fixed", config_with(0, 3, 4, 0), gen),
                    Catch::Contains("FixedAttention") && Catch::Contains("summary 4 with block 3"));
  CHECK_THROWS_WITH(make_transformer_attention("local", config_with(-1, 0, 1, 0), gen), Catch::Contains("window -1"));
  CHECK_THROWS_WITH(make_transformer_attention("strided", config_with(0, -2, 1, 0), gen), Catch::Contains("block -2"));
}

namespace {

TransformerAttentionConfig bench_config(std::int64_t length) {
  TransformerAttentionConfig c;
  c.model_dim = 64;
  c.heads = 2;
  c.window = 16;
  c.max_len = length;  // strided and fixed: s = ceil(sqrt(T))
  c.global_tokens = 1;
  return c;
}

struct Cost {
  double ms;                // one forward + backward
  std::int64_t peak_bytes;  // above what was allocated before the forward
};

Cost forward_backward(const std::string& name, std::int64_t length, int repeats) {
  Generator gen(5);
  const auto attention = make_transformer_attention(name, bench_config(length), gen);
  const Tensor x = randn({1, length, 64}, gen);
  double total_ms = 0;
  std::int64_t peak = 0;
  for (int r = 0; r <= repeats; ++r) {  // run 0 warms up
    attention->zero_grad();
    reset_peak_memory();
    const std::int64_t before = memory_stats().current_bytes;
    const auto start = std::chrono::steady_clock::now();
    sum(attention->forward({.query = x, .memory = x}).output).backward();
    const auto stop = std::chrono::steady_clock::now();
    peak = memory_stats().peak_bytes - before;
    if (r > 0) total_ms += std::chrono::duration<double, std::milli>(stop - start).count();
  }
  return {repeats > 0 ? total_ms / repeats : 0.0, peak};
}

}  // namespace

TEST_CASE("local attention's forward and backward peak memory is far below mha's at T = 1024", "[sparse]") {
  const Cost local = forward_backward("local", 1024, 0);
  const Cost mha = forward_backward("mha", 1024, 0);
  INFO("peak bytes: local " << local.peak_bytes << ", mha " << mha.peak_bytes);
  CHECK(local.peak_bytes > 0);
  CHECK(local.peak_bytes * 4 < mha.peak_bytes);
}

// Not run by default: ./build/tests/heed_tests "[.sparse-bench]"
TEST_CASE("sparse attention timings", "[.bench][.sparse-bench]") {
  std::printf("%-11s %6s %12s %14s\n", "variant", "T", "fwd+bwd ms", "peak MiB");
  for (std::int64_t length : {256, 1024, 2048})
    for (const char* name : {"mha", "local", "strided", "fixed", "longformer"}) {
      const Cost cost = forward_backward(name, length, 5);
      std::printf("%-11s %6lld %12.2f %14.2f\n", name, static_cast<long long>(length), cost.ms,
                  static_cast<double>(cost.peak_bytes) / (1024.0 * 1024.0));
      CHECK(cost.ms > 0);
    }
}
