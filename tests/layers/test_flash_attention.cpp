// Flash attention (T13): the tiled op against dense_attention, its gradient checks, the layer
// against mha, and the memory it saves.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/flash.h"
#include "layers/attention/mha.h"
#include "layers/attention/transformer_registry.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

struct Case {
  std::string name;
  std::int64_t batch, heads, tq, tk, dh, tile;
  bool causal, padded;
};

// Lengths that tiles do not divide, Tq != Tk, causal with queries at the end of the keys,
// padding, tiles larger than the sequence, and one case large enough to run on several threads.
std::vector<Case> cases() {
  return {
      {"self, 7 tokens in tiles of 3", 2, 2, 7, 7, 4, 3, false, false},
      {"cross, 5 queries over 11 keys in tiles of 4", 2, 2, 5, 11, 4, 4, false, false},
      {"causal, 9 tokens in tiles of 4", 1, 3, 9, 9, 4, 4, true, false},
      {"causal, 5 queries at the end of 11 keys", 2, 1, 5, 11, 6, 3, true, false},
      {"padded keys, tiles of 2", 2, 2, 6, 5, 4, 2, false, true},
      {"causal and padded, one tile covers all", 2, 2, 6, 6, 4, 64, true, true},
      // Enough work for several threads: they share the tiles and sum their copies of dQ.
      {"causal and padded, 130 tokens in tiles of 32", 2, 2, 130, 130, 16, 32, true, true},
  };
}

// Key mask (B, Tk): batch b keeps its first Tk - b - 1 keys, except that the last batch row is
// all padding when `with_empty_row`, so its queries see no key at all.
Tensor padding_mask(std::int64_t batch, std::int64_t tk, bool with_empty_row) {
  std::vector<double> mask(static_cast<std::size_t>(batch * tk), 0.0);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t j = 0; j < tk - b - 1; ++j) mask[static_cast<std::size_t>(b * tk + j)] = 1.0;
  if (with_empty_row)
    for (std::int64_t j = 0; j < tk; ++j) mask[static_cast<std::size_t>((batch - 1) * tk + j)] = 0.0;
  return from_vector(mask, {batch, tk});
}

struct Outcome {
  Tensor output, grad_q, grad_k, grad_v;
};

// Runs attention on copies of q, k, v and backpropagates sum(output * projection).
template <typename Attend>
Outcome run(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& projection, const Attend& attend) {
  Tensor qi = clone(q.detach()), ki = clone(k.detach()), vi = clone(v.detach());
  for (Tensor* t : {&qi, &ki, &vi}) t->requires_grad_();
  const Tensor output = attend(qi, ki, vi);
  (output * projection).sum().backward();
  return {output.detach(), qi.grad(), ki.grad(), vi.grad()};
}

void require_same(const Outcome& flash, const Outcome& dense, double tol) {
  require_close(flash.output, dense.output, tol);
  require_close(flash.grad_q, dense.grad_q, tol);
  require_close(flash.grad_k, dense.grad_k, tol);
  require_close(flash.grad_v, dense.grad_v, tol);
}

void compare_with_dense(const Case& c, DType dtype, double tol) {
  const Tensor q = random_input({c.batch, c.heads, c.tq, c.dh}, 1, -2, 2).to(dtype);
  const Tensor k = random_input({c.batch, c.heads, c.tk, c.dh}, 2, -2, 2).to(dtype);
  const Tensor v = random_input({c.batch, c.heads, c.tk, c.dh}, 3).to(dtype);
  const Tensor projection = random_input({c.batch, c.heads, c.tq, c.dh}, 4).detach().to(dtype);
  const Tensor key_mask = c.padded ? padding_mask(c.batch, c.tk, false) : Tensor();
  const Outcome flash = run(q, k, v, projection, [&](const Tensor& qi, const Tensor& ki, const Tensor& vi) {
    return flash_attention(qi, ki, vi, key_mask, c.causal, c.tile);
  });
  const Outcome dense = run(q, k, v, projection, [&](const Tensor& qi, const Tensor& ki, const Tensor& vi) {
    return dense_attention(qi, ki, vi, key_mask, c.causal, nullptr).output;
  });
  require_same(flash, dense, tol);
}

TransformerAttentionConfig small_config(std::int64_t tile = 2) {
  TransformerAttentionConfig c;
  c.model_dim = 8;
  c.heads = 2;
  c.tile = tile;
  c.dtype = DType::Float64;
  return c;
}

// A rotary-kind encoding for the tests: scales each position's q and k channels by its own
// factor, enough to show that the layer applies it before the tiles exactly as mha does.
class ScalingRotary : public PositionalEncoding {
 public:
  ScalingRotary() : PositionalEncoding("ScalingRotary") {}
  PositionKind kind() const override { return PositionKind::Rotary; }
  Tensor rotate(const Tensor& x, const Tensor& positions) override {
    const Tensor factor = cos(to(positions, x.dtype()) * 0.3) + 1.5;  // (T)
    return x * reshape(factor, {1, 1, positions.size(0), 1});
  }
};

class ConstantBias : public PositionalEncoding {
 public:
  ConstantBias() : PositionalEncoding("ConstantBias") {}
  PositionKind kind() const override { return PositionKind::ScoreBias; }
};

// Copies every parameter of `from` into the parameter of the same name in `to`.
void copy_parameters(const Module& from, Module& to) {
  NoGradGuard no_grad;
  const NamedTensors source = from.named_parameters();
  NamedTensors target = to.named_parameters();
  REQUIRE(source.size() == target.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    REQUIRE(source[i].first == target[i].first);
    ops::copy_(target[i].second, source[i].second);
  }
}

}  // namespace

TEST_CASE("flash_attention equals dense_attention in float64, outputs and gradients", "[flash]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    compare_with_dense(c, DType::Float64, 1e-10);
  }
}

TEST_CASE("flash_attention equals dense_attention in float32", "[flash]") {
  for (const Case& c : cases()) {
    INFO(c.name);
    compare_with_dense(c, DType::Float32, 2e-5);
  }
}

namespace {

// Queries that see no key: a batch row of padding, and causal queries placed before every key.
void check_queries_without_keys(DType dtype) {
  const Tensor q = random_input({2, 2, 5, 4}, 5).to(dtype), k = random_input({2, 2, 5, 4}, 6).to(dtype),
               v = random_input({2, 2, 5, 4}, 7).to(dtype);
  const Tensor projection = random_input({2, 2, 5, 4}, 8).detach().to(dtype);
  const Tensor key_mask = padding_mask(2, 5, /*with_empty_row=*/true);  // batch 1 is all padding
  const Outcome out = run(q, k, v, projection, [&](const Tensor& qi, const Tensor& ki, const Tensor& vi) {
    return flash_attention(qi, ki, vi, key_mask, /*causal=*/false, 2);
  });
  for (const Tensor& t : {out.output, out.grad_q, out.grad_k, out.grad_v})
    for (double x : t.to_vector<double>()) REQUIRE(std::isfinite(x));
  const std::vector<double> zeros_of_batch(2 * 5 * 4, 0.0);
  require_close(select(out.output, 0, 1), zeros_of_batch, 0);
  require_close(select(out.grad_q, 0, 1), zeros_of_batch, 0);
  require_close(select(out.grad_k, 0, 1), zeros_of_batch, 0);
  require_close(select(out.grad_v, 0, 1), zeros_of_batch, 0);
  // Causal with more queries than keys: the first two queries sit before every key.
  const Tensor few_keys = random_input({1, 1, 3, 4}, 9).to(dtype);
  const Outcome early = run(random_input({1, 1, 5, 4}, 10).to(dtype), few_keys, few_keys,
                            random_input({1, 1, 5, 4}, 11).detach().to(dtype),
                            [](const Tensor& qi, const Tensor& ki, const Tensor& vi) {
                              return flash_attention(qi, ki, vi, Tensor(), /*causal=*/true, 2);
                            });
  require_close(narrow(early.output, 2, 0, 2), std::vector<double>(2 * 4, 0.0), 0);
  require_close(narrow(early.grad_q, 2, 0, 2), std::vector<double>(2 * 4, 0.0), 0);
  for (double x : early.grad_k.to_vector<double>()) REQUIRE(std::isfinite(x));
}

}  // namespace

TEST_CASE("flash_attention gives a query that sees no key zeros and zero gradients, never NaN", "[flash]") {
  check_queries_without_keys(DType::Float64);
  check_queries_without_keys(DType::Float32);
}

TEST_CASE("flash_attention passes its gradient check", "[flash][gradcheck]") {
  const Tensor q = random_input({2, 2, 5, 3}, 12), k = random_input({2, 2, 7, 3}, 13), v = random_input({2, 2, 7, 3}, 14);
  const Tensor key_mask = padding_mask(2, 7, false);
  for (const bool causal : {false, true}) {
    INFO("causal " << causal);
    auto attend = [&](const std::vector<Tensor>& in) { return flash_attention(in[0], in[1], in[2], key_mask, causal, 3); };
    REQUIRE_GRADCHECK(attend, {q, k, v});
  }
}

TEST_CASE("flash_attention checks its arguments", "[flash]") {
  const Tensor q = random_input({1, 2, 3, 4}, 15), k = random_input({1, 2, 5, 4}, 16);
  CHECK_THROWS_WITH(flash_attention(q, k, random_input({1, 2, 4, 4}, 17)),
                    Catch::Contains("flash_attention") && Catch::Contains("(1,2,4,4)") && Catch::Contains("(B, H, Tk, Dh)"));
  CHECK_THROWS_WITH(flash_attention(q, k, k, ones({1, 4})), Catch::Contains("key_mask") && Catch::Contains("(1,4)"));
  CHECK_THROWS_WITH(flash_attention(q, k, k, Tensor(), false, 0), Catch::Contains("tile"));
  CHECK_THROWS_WITH(flash_attention(q, k.to(DType::Float32), k), Catch::Contains("float32"));
}

TEST_CASE("the FlashAttention layer passes its gradient checks", "[flash][gradcheck]") {
  Generator gen(18);
  FlashAttention flash(small_config(), gen);
  const Tensor x = random_input({2, 3, 8}, 19), memory = random_input({2, 5, 8}, 20);
  const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 5});
  ScalingRotary rotary;
  auto self = [&](const std::vector<Tensor>& in) {
    return flash.forward({.query = in[0], .memory = in[0], .causal = true, .position = &rotary}).output;
  };
  auto cross = [&](const std::vector<Tensor>& in) {
    return flash.forward({.query = in[0], .memory = in[1], .key_mask = key_mask}).output;
  };
  REQUIRE_GRADCHECK(self, {x});
  REQUIRE_GRADCHECK(cross, {x, memory});
  auto through_weights = [&](const std::vector<Tensor>&) {
    return flash.forward({.query = x, .memory = memory, .key_mask = key_mask}).output;
  };
  REQUIRE_GRADCHECK(through_weights, flash.parameters());
}

TEST_CASE("FlashAttention with an mha's weights equals mha, outputs and parameter gradients", "[flash]") {
  Generator gen(21);
  MultiHeadAttention mha(small_config(), gen);
  FlashAttention flash(small_config(/*tile=*/3), gen);
  copy_parameters(mha, flash);
  const Tensor x = random_input({2, 7, 8}, 22), memory = random_input({2, 4, 8}, 23);
  const Tensor key_mask = from_vector({1, 1, 1, 0, 0, 0, 0, 0}, {2, 4});  // batch 1: no real key
  ScalingRotary rotary;
  const std::vector<AttentionCall> calls = {
      {.query = x, .memory = x, .causal = true, .position = &rotary, .keep_weights = true},
      {.query = x, .memory = memory, .key_mask = key_mask, .keep_weights = true},
  };
  for (const AttentionCall& call : calls) {
    mha.zero_grad();
    flash.zero_grad();
    const TransformerAttentionOutput expected = mha.forward(call), got = flash.forward(call);
    require_close(got.output, expected.output, 1e-12);
    require_close(got.weights, expected.weights, 1e-12);  // the heatmap's weights, computed on the side
    expected.output.sum().backward();
    got.output.sum().backward();
    const NamedTensors mha_params = mha.named_parameters(), flash_params = flash.named_parameters();
    for (std::size_t i = 0; i < mha_params.size(); ++i) {
      INFO(mha_params[i].first);
      require_close(flash_params[i].second.grad(), mha_params[i].second.grad(), 1e-10);
    }
  }
}

TEST_CASE("FlashAttention refuses score-bias and relative encodings and registers as flash", "[flash]") {
  Generator gen(24);
  FlashAttention flash(small_config(), gen);
  const Tensor x = random_input({1, 3, 8}, 25);
  ConstantBias bias;
  CHECK_THROWS_WITH(flash.forward({.query = x, .memory = x, .position = &bias}),
                    Catch::Contains("FlashAttention") && Catch::Contains("score") && Catch::Contains("rotary"));
  CHECK_FALSE(flash.accepts_position(PositionKind::Relative));
  CHECK(flash.accepts_position(PositionKind::Rotary));
  CHECK(flash.weights_note().empty());  // keep_weights gives the matrix (computed on the side, for heatmaps)
  CHECK(transformer_attention_capabilities("flash") == "self, causal, cross; positions: absolute, rotary");
  const auto made = make_transformer_attention("flash", small_config(5), gen);
  CHECK(made->type_name() == "FlashAttention");
  TransformerAttentionConfig bad = small_config(0);
  CHECK_THROWS_WITH(FlashAttention(bad, gen), Catch::Contains("tile"));
}

TEST_CASE("flash attention's forward and backward peak memory stays below one score matrix; mha's does not",
          "[flash][memory]") {
  const std::int64_t batch = 1, heads = 2, tokens = 1024, dh = 32;
  const std::int64_t score_matrix_bytes = batch * heads * tokens * tokens * 4;  // one (B, H, T, T) float32
  Generator gen(26);
  const Shape shape = {batch, heads, tokens, dh};
  Tensor q = randn(shape, gen), k = randn(shape, gen), v = randn(shape, gen);
  for (Tensor* t : {&q, &k, &v}) t->requires_grad_();
  const auto peak_of = [&](const auto& attend) {
    for (Tensor* t : {&q, &k, &v}) t->zero_grad();  // live before: q, k and v alone
    reset_peak_memory();
    const std::int64_t before = memory_stats().current_bytes;
    attend().sum().backward();
    return memory_stats().peak_bytes - before;
  };
  const std::int64_t flash_peak = peak_of([&] { return flash_attention(q, k, v, Tensor(), true, 64); });
  const std::int64_t dense_peak = peak_of([&] { return dense_attention(q, k, v, Tensor(), true, nullptr).output; });
  INFO("flash peak " << flash_peak << " B, dense peak " << dense_peak << " B, one score matrix "
                     << score_matrix_bytes << " B");
  CHECK(flash_peak < score_matrix_bytes);
  CHECK(dense_peak > score_matrix_bytes);
}
