// The efficient Transformer attentions (CATALOG.md T8-T12): linear, performer,
// linformer, nystrom and lsh, each against the exact computation it stands for.
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/linear.h"
#include "layers/attention/linformer.h"
#include "layers/attention/lsh.h"
#include "layers/attention/mha.h"
#include "layers/attention/nystrom.h"
#include "layers/attention/performer.h"
#include "layers/attention/transformer_registry.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;

namespace {

const std::vector<std::string> kVariants = {"linear", "performer", "linformer", "nystrom", "lsh"};

TransformerAttentionConfig small_config() {
  TransformerAttentionConfig c;
  c.model_dim = 8;
  c.heads = 2;  // Dh = 4
  c.chunk = 3;
  c.features = 6;
  c.max_len = 6;
  c.projected_len = 3;
  c.landmarks = 2;
  c.buckets = 4;
  c.dtype = DType::Float64;
  return c;
}

// Q, K, V and the output become the input itself: the variant's head step is
// then visible from outside, on the input's values.
void use_identity_projections(ProjectedAttention& attention) {
  NoGradGuard no_grad;
  const std::int64_t d = attention.model_dim();
  const Tensor identity = one_hot(arange(d), d, attention.q_proj->weight.dtype());
  for (Linear* proj : {attention.q_proj.get(), attention.k_proj.get(), attention.v_proj.get(),
                       attention.out_proj.get()}) {
    ops::copy_(proj->weight, identity);
    ops::fill_(proj->bias, 0);
  }
}

void copy_projections(const ProjectedAttention& from, ProjectedAttention& to) {
  NoGradGuard no_grad;
  const std::vector<std::pair<Linear*, Linear*>> pairs = {{from.q_proj.get(), to.q_proj.get()},
                                                          {from.k_proj.get(), to.k_proj.get()},
                                                          {from.v_proj.get(), to.v_proj.get()},
                                                          {from.out_proj.get(), to.out_proj.get()}};
  for (auto [source, target] : pairs) {
    ops::copy_(target->weight, source->weight);
    ops::copy_(target->bias, source->bias);
  }
}

// Row t of head h of batch b of x (B, T, D) as a vector of Dh values.
std::vector<double> head_row(const Tensor& x, std::int64_t b, std::int64_t h, std::int64_t t, std::int64_t dh) {
  return select(select(narrow(x, 2, h * dh, dh), 0, b), 0, t).to_vector<double>();
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t c = 0; c < a.size(); ++c) s += a[c] * b[c];
  return s;
}

// Linear attention by its definition, one query at a time: keys j with
// allowed(j) summed directly into S and z. Query i sits at position i + Tk - Tq.
std::vector<double> naive_linear(const Tensor& x_q, const Tensor& x_kv, const std::vector<double>& key_mask,
                                 bool causal, std::int64_t heads) {
  const std::int64_t batch = x_q.size(0), tq = x_q.size(1), tk = x_kv.size(1), d = x_q.size(2), dh = d / heads;
  const auto phi = [](std::vector<double> x) {
    for (double& e : x) e = e > 0 ? e + 1 : std::exp(e);
    return x;
  };
  std::vector<double> out(batch * tq * d, 0.0);
  for (std::int64_t b = 0; b < batch; ++b)
    for (std::int64_t h = 0; h < heads; ++h)
      for (std::int64_t i = 0; i < tq; ++i) {
        const std::vector<double> fq = phi(head_row(x_q, b, h, i, dh));
        std::vector<double> num(dh, 0.0);
        double den = 0;
        for (std::int64_t j = 0; j < tk; ++j) {
          if (key_mask[b * tk + j] == 0 || (causal && j > i + tk - tq)) continue;
          const double w = dot(fq, phi(head_row(x_kv, b, h, j, dh)));
          const std::vector<double> v = head_row(x_kv, b, h, j, dh);
          for (std::int64_t c = 0; c < dh; ++c) num[c] += w * v[c];
          den += w;
        }
        for (std::int64_t c = 0; c < dh; ++c) out[(b * tq + i) * d + h * dh + c] = den > 0 ? num[c] / den : 0.0;
      }
  return out;
}

double mean_abs_difference(const Tensor& a, const Tensor& b) {
  return mean(abs(a - b)).item();
}

}  // namespace

TEST_CASE("linear attention equals its formula, with padding and cross-attention", "[efficient]") {
  Generator gen(1);
  LinearAttention linear(small_config(), gen);
  use_identity_projections(linear);
  const Tensor x = random_input({2, 4, 8}, 2), memory = random_input({2, 5, 8}, 3);
  const std::vector<double> mask = {1, 1, 1, 1, 1, 1, 1, 0, 0, 1};
  const Tensor key_mask = from_vector(mask, {2, 5});
  require_close(linear.forward({.query = x, .memory = memory, .key_mask = key_mask}).output,
                naive_linear(x, memory, mask, false, 2), 1e-12);
  CHECK(linear.forward({.query = x, .memory = memory, .keep_weights = true}).weights.defined() == false);
  CHECK(linear.weights_note().find("no attention matrix") != std::string::npos);
}

TEST_CASE("causal linear attention equals the per-row prefix sums, in whole and partial chunks", "[efficient]") {
  for (std::int64_t length : {6, 7, 8, 13}) {  // chunk 3: multiples and not
    INFO("length " << length);
    Generator gen(4);
    LinearAttention linear(small_config(), gen);
    use_identity_projections(linear);
    const Tensor x = random_input({2, length, 8}, 5 + length);
    std::vector<double> mask(2 * length, 1.0);
    mask[length] = 0;  // the second sentence starts with a padding key: its first query reads nothing
    require_close(linear.forward({.query = x, .memory = x, .key_mask = from_vector(mask, {2, length}), .causal = true})
                      .output,
                  naive_linear(x, x, mask, true, 2), 1e-12);
  }
  // Fewer queries than keys: the queries are the last positions.
  Generator gen(6);
  LinearAttention linear(small_config(), gen);
  use_identity_projections(linear);
  const Tensor memory = random_input({1, 7, 8}, 7), x = random_input({1, 3, 8}, 8);
  require_close(linear.forward({.query = x, .memory = memory, .causal = true}).output,
                naive_linear(x, memory, std::vector<double>(7, 1.0), true, 2), 1e-12);
}

TEST_CASE("performer approaches softmax attention as the number of features grows", "[efficient]") {
  Generator gen(9);
  TransformerAttentionConfig c = small_config();
  MultiHeadAttention mha(c, gen);
  const Tensor x = random_input({2, 6, 8}, 10);
  const Tensor exact = mha.forward({.query = x, .memory = x}).output;
  std::vector<double> errors;  // averaged over 5 draws of the features: the estimate is random
  for (std::int64_t m : {16, 512}) {
    c.features = m;
    double total = 0;
    for (std::uint64_t draw = 0; draw < 5; ++draw) {
      Generator features_gen(100 + draw);
      PerformerAttention performer(c, features_gen);
      copy_projections(mha, performer);
      total += mean_abs_difference(performer.forward({.query = x, .memory = x}).output, exact);
    }
    errors.push_back(total / 5);
  }
  // The error shrinks like 1 / sqrt(m): a factor sqrt(32) ~ 5.7 from 16 to 512 features.
  INFO("mean |performer - softmax| at m = 16: " << errors[0] << ", at m = 512: " << errors[1]);
  CHECK(errors[1] < 0.35 * errors[0]);
  CHECK(errors[1] < 1e-2);
}

TEST_CASE("performer features are orthogonal within a block, a buffer, and redrawn on schedule", "[efficient]") {
  Generator gen(11);
  const Tensor w = orthogonal_random_features(10, 4, gen, DType::Float64);  // blocks: rows 0-3, 4-7, 8-9
  const auto gram = matmul(w, transpose(w, 0, 1)).to_vector<double>();
  for (std::int64_t i = 0; i < 10; ++i)
    for (std::int64_t j = 0; j < 10; ++j)
      if (i != j && i / 4 == j / 4) CHECK(std::abs(gram[i * 10 + j]) < 1e-10 * gram[i * 10 + i]);
  CHECK(std::abs(gram[0] - gram[11]) > 1e-6);  // lengths are drawn, not all equal

  TransformerAttentionConfig c = small_config();
  c.redraw_every = 2;
  PerformerAttention performer(c, gen);
  CHECK(performer.num_features() == 6);
  CHECK(performer.named_buffers().size() == 1);
  CHECK(performer.named_buffers()[0].first == "features");
  for (const auto& [name, _] : performer.named_parameters()) CHECK(name != "features");
  const Tensor x = random_input({1, 3, 8}, 12);
  const Tensor first = clone(performer.features());
  performer.forward({.query = x, .memory = x});
  performer.forward({.query = x, .memory = x});
  require_close(performer.features(), first, 0);  // calls 1 and 2 use the first draw
  performer.forward({.query = x, .memory = x});
  CHECK(mean_abs_difference(performer.features(), first) > 0.1);  // call 3 redrew
  performer.eval();
  const Tensor drawn = clone(performer.features());
  for (int call = 0; call < 4; ++call) performer.forward({.query = x, .memory = x});
  require_close(performer.features(), drawn, 0);  // evaluation never redraws
  // The features travel with the checkpoint: a layer loaded from it computes the same outputs.
  Generator other_gen(31);
  PerformerAttention loaded(c, other_gen);
  loaded.load_state_dict(performer.state_dict());
  loaded.eval();
  require_close(loaded.forward({.query = x, .memory = x}).output, performer.forward({.query = x, .memory = x}).output,
                0);
}

TEST_CASE("linformer with k = n and identity E and F is softmax attention", "[efficient]") {
  Generator gen(13);
  TransformerAttentionConfig c = small_config();
  c.max_len = c.projected_len = 5;
  MultiHeadAttention mha(c, gen);
  LinformerAttention linformer(c, gen);
  copy_projections(mha, linformer);
  {
    NoGradGuard no_grad;
    const Tensor identity = one_hot(arange(5), 5, DType::Float64);
    ops::copy_(linformer.key_projection, identity);
    ops::copy_(linformer.value_projection, identity);
  }
  // No padding here: a zeroed padding key still takes part in linformer's softmax (with score 0).
  const Tensor x = random_input({2, 5, 8}, 14);
  require_close(linformer.forward({.query = x, .memory = x}).output, mha.forward({.query = x, .memory = x}).output,
                1e-12);
  CHECK_THROWS_WITH(linformer.forward({.query = random_input({1, 6, 8}, 15), .memory = random_input({1, 6, 8}, 15)}),
                    Catch::Contains("self-attention"));
  const Tensor longer = random_input({1, 6, 8}, 15);
  CHECK_THROWS_WITH(linformer.forward({.query = longer, .memory = longer}),
                    Catch::Contains("max_len = 5") && Catch::Contains("6 positions"));
  CHECK_THROWS_WITH(linformer.forward({.query = x, .memory = x, .causal = true}), Catch::Contains("no causal form"));
  CHECK_FALSE(linformer.weights_note().empty());
}

TEST_CASE("nystrom with one landmark per token is softmax attention", "[efficient]") {
  Generator gen(16);
  TransformerAttentionConfig c = small_config();
  c.landmarks = 5;
  MultiHeadAttention mha(c, gen);
  NystromAttention nystrom(c, gen);
  // Q = K = X: each query scores itself highest, so A is well conditioned and
  // the iteration's 6 steps converge far (a near-uniform A converges slowly).
  use_identity_projections(mha);
  use_identity_projections(nystrom);
  const Tensor x = random_input({2, 5, 8}, 17, -3, 3);
  const TransformerAttentionOutput exact = mha.forward({.query = x, .memory = x, .keep_weights = true});
  const TransformerAttentionOutput approx = nystrom.forward({.query = x, .memory = x, .keep_weights = true});
  // With m = n, F = A = B = softmax(Q K^T / sqrt(Dh)) and F pinv(A) B = A up to the 6 iterations' residual.
  const Tensor a = exact.weights;  // (B, H, n, n)
  const double residual = amax(flatten(abs(matmul(matmul(a, iterative_pinv(a)), a) - a)), 0).item();
  INFO("max |A pinv(A) A - A| after 6 iterations: " << residual);
  CHECK(residual < 1e-4);
  require_close(approx.weights, exact.weights, 2 * residual);
  // out - exact = (A pinv(A) A - A) V, and each row of V sums 5 values in [-3, 3].
  require_close(approx.output, exact.output, 5 * 3 * residual);
  // More iterations drive the residual to rounding level: the gap is the iteration's, not the method's.
  const Tensor z = iterative_pinv(a, 30);
  require_close(matmul(matmul(a, z), a), a, 1e-10);
}

TEST_CASE("lsh with one bucket and one chunk is dense attention without the diagonal", "[efficient]") {
  for (bool causal : {false, true}) {
    INFO("causal " << causal);
    TransformerAttentionConfig c = small_config();
    c.chunk = 5;
    Generator gen(19);
    LshAttention lsh(c, gen);
    use_identity_projections(lsh);
    {
      NoGradGuard no_grad;
      ops::fill_(lsh.rotation, 0);  // x R = 0 everywhere: every token hashes to bucket 0
    }
    const Tensor x = random_input({2, 5, 8}, 20);
    const std::vector<double> mask = {1, 1, 1, 1, 1, 1, 0, 1, 1, 0};
    std::vector<double> expected(2 * 5 * 8, 0.0);
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t h = 0; h < 2; ++h)
        for (std::int64_t i = 0; i < 5; ++i) {
          const std::vector<double> q = head_row(x, b, h, i, 4);
          std::vector<bool> allowed(5);
          bool any_other = false;
          for (std::int64_t j = 0; j < 5; ++j) {
            allowed[j] = j != i && mask[b * 5 + j] != 0 && (!causal || j <= i);
            any_other = any_other || allowed[j];
          }
          if (!any_other) allowed[i] = mask[b * 5 + i] != 0;
          std::vector<double> w(5, 0.0);
          double total = 0;
          for (std::int64_t j = 0; j < 5; ++j) {
            if (!allowed[j]) continue;
            const std::vector<double> k = head_row(x, b, h, j, 4);
            w[j] = std::exp(dot(q, k) / std::sqrt(dot(k, k)) / 2.0);  // keys normalised, / sqrt(Dh)
            total += w[j];
          }
          for (std::int64_t j = 0; j < 5; ++j)
            for (std::int64_t ch = 0; ch < 4; ++ch)
              expected[(b * 5 + i) * 8 + h * 4 + ch] += w[j] / total * head_row(x, b, h, j, 4)[ch];
        }
    const TransformerAttentionOutput out =
        lsh.forward({.query = x, .memory = x, .key_mask = from_vector(mask, {2, 5}), .causal = causal,
                     .keep_weights = true});
    require_close(out.output, expected, 1e-12);
    // The dense heatmap reproduces the output: out = merge(W V) with identity projections.
    require_close(merge_heads(matmul(out.weights, split_heads(x, 2))), out.output, 1e-12);
  }
}

TEST_CASE("lsh reads only its chunk and the previous one, never itself when it has company", "[efficient]") {
  TransformerAttentionConfig c = small_config();
  c.chunk = 2;
  c.buckets = 4;
  Generator gen(21);
  LshAttention lsh(c, gen);
  const Tensor x = random_input({1, 9, 8}, 22);
  const TransformerAttentionOutput out = lsh.forward({.query = x, .memory = x, .causal = true, .keep_weights = true});
  const auto w = out.weights.to_vector<double>();  // (1, 2, 9, 9)
  for (std::int64_t h = 0; h < 2; ++h)
    for (std::int64_t i = 0; i < 9; ++i) {
      double total = 0;
      std::int64_t others = 0;
      for (std::int64_t j = 0; j < 9; ++j) {
        const double a = w[(h * 9 + i) * 9 + j];
        if (j > i) CHECK(a == 0.0);  // causal
        total += a;
        others += j != i && a > 0;
      }
      CHECK(total == Approx(1.0));
      CHECK(others <= 2 * c.chunk - 1);  // its chunk and the previous one, less itself
      CHECK(w[(h * 9 + i) * 9 + i] == (others > 0 ? 0.0 : 1.0));
    }
  CHECK(w[0] == 1.0);  // position 0, causal, has no key but itself
  CHECK_THROWS_WITH(lsh.forward({.query = x, .memory = random_input({1, 9, 8}, 23)}),
                    Catch::Contains("self-attention"));
  c.buckets = 3;
  CHECK_THROWS_WITH(LshAttention(c, gen), Catch::Contains("even"));
}

TEST_CASE("efficient attentions pass their gradient checks", "[efficient][gradcheck]") {
  for (const std::string& name : kVariants) {
    INFO(name);
    Generator gen(24);
    const auto attention = make_transformer_attention(name, small_config(), gen);
    const Tensor x = random_input({2, 5, 8}, 25), memory = random_input({2, 4, 8}, 26);
    const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 5});
    const bool causal = attention->supports_causal();
    auto self = [&](const std::vector<Tensor>& in) {
      return attention->forward({.query = in[0], .memory = in[0], .key_mask = key_mask, .causal = causal}).output;
    };
    REQUIRE_GRADCHECK(self, {x});
    if (attention->supports_cross()) {
      auto cross = [&](const std::vector<Tensor>& in) {
        return attention->forward({.query = in[0], .memory = in[1], .key_mask = narrow(key_mask, 1, 1, 4)}).output;
      };
      REQUIRE_GRADCHECK(cross, {x, memory});
    }
    auto through_weights = [&](const std::vector<Tensor>&) {
      return attention->forward({.query = x, .memory = x, .key_mask = key_mask, .causal = causal}).output;
    };
    REQUIRE_GRADCHECK(through_weights, attention->parameters());
  }
}

TEST_CASE("padding keys change nothing for real queries, and an all-padding row gives zeros", "[efficient]") {
  for (const std::string& name : kVariants) {
    for (bool causal : {false, true}) {
      Generator gen(27);
      const auto attention = make_transformer_attention(name, small_config(), gen);
      if (causal && !attention->supports_causal()) continue;
      INFO(name << (causal ? " causal" : ""));
      const Tensor key_mask = from_vector({1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, {2, 6});
      const Tensor x = random_input({2, 6, 8}, 28);
      Tensor changed = clone(x.detach());
      {
        NoGradGuard no_grad;
        Tensor padded_tokens = narrow(select(changed, 0, 0), 0, 4, 2);
        ops::copy_(padded_tokens, random_input({2, 8}, 29, -5, 5));
      }
      const Tensor before =
          attention->forward({.query = x, .memory = x, .key_mask = key_mask, .causal = causal}).output;
      const Tensor after =
          attention->forward({.query = changed, .memory = changed, .key_mask = key_mask, .causal = causal}).output;
      require_close(narrow(select(after, 0, 0), 0, 0, 4), narrow(select(before, 0, 0), 0, 0, 4), 1e-12);
      require_close(select(after, 0, 1), select(before, 0, 1), 1e-12);

      const Tensor none_real = from_vector({1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, {2, 6});
      const TransformerAttentionOutput out =
          attention->forward({.query = x, .memory = x, .key_mask = none_real, .causal = causal, .keep_weights = true});
      for (double v : out.output.to_vector<double>()) REQUIRE(std::isfinite(v));
      const Tensor bias = std::dynamic_pointer_cast<ProjectedAttention>(attention)->out_proj->bias;
      for (std::int64_t t = 0; t < 6; ++t) require_close(select(select(out.output, 0, 1), 0, t), bias, 1e-12);
      if (out.weights.defined()) require_close(select(out.weights, 0, 1), std::vector<double>(2 * 6 * 6, 0.0), 0);
    }
  }
}

TEST_CASE("efficient attentions are registered, use less memory than mha at T = 1024, and grow linearly in T",
          "[efficient][memory]") {
  for (const std::string& name : kVariants) CHECK(!transformer_attention_description(name).empty());
  CHECK(transformer_attention_capabilities("linear") == "self, causal, cross; positions: absolute");
  CHECK(transformer_attention_capabilities("linformer") == "self; positions: absolute");

  // Peak bytes of one forward and backward pass (B = 1, H = 2, D = 64, float32) above what was live before.
  TransformerAttentionConfig c;
  c.model_dim = 64;
  c.heads = 2;
  c.chunk = 64;
  c.max_len = 2048;
  const auto peak_bytes = [&](const std::string& name, bool causal, std::int64_t length) {
    Generator gen(30);
    const auto attention = make_transformer_attention(name, c, gen);
    const Tensor x = uniform({1, length, 64}, -1, 1, gen);
    const std::int64_t before = memory_stats().current_bytes;
    reset_peak_memory();
    attention->forward({.query = x, .memory = x, .causal = causal}).output.sum().backward();
    return memory_stats().peak_bytes - before;
  };
  // Doubling T doubles what a linear-memory layer holds and quadruples a (T, T) matrix.
  for (bool causal : {false, true}) {
    const std::int64_t mha = peak_bytes("mha", causal, 1024), mha_doubled = peak_bytes("mha", causal, 2048);
    std::cout << "peak memory, forward + backward, B = 1, H = 2, D = 64" << (causal ? ", causal" : "")
              << ", KiB at T = 1024 -> 2048: mha " << mha / 1024 << " -> " << mha_doubled / 1024;
    CHECK(mha_doubled > 3 * mha);
    for (const std::string& name : kVariants) {
      if (causal && !make_transformer_attention(name, c)->supports_causal()) continue;
      const std::int64_t bytes = peak_bytes(name, causal, 1024), doubled = peak_bytes(name, causal, 2048);
      std::cout << ", " << name << " " << bytes / 1024 << " -> " << doubled / 1024;
      INFO(name << (causal ? " causal" : "") << ": " << bytes << " bytes at T = 1024, " << doubled
                << " at 2048; mha " << mha);
      CHECK(bytes < mha);
      CHECK(doubled < 2.5 * bytes);
    }
    std::cout << "\n";
  }
}
