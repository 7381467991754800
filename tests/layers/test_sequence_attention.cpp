// The sequence-attention variants of CATALOG.md section S: hand-computed
// scores, gradient checks, masks and windows, and a short Seq2Seq training
// run for every registered name. Hard attention's sampling and estimators are
// tested in test_hard_attention.cpp.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/general.h"
#include "layers/attention/local_p.h"
#include "layers/attention/registry.h"
#include "layers/loss.h"
#include "layers/models/seq2seq.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::with_parameters;
using Inputs = std::vector<Tensor>;

namespace {

constexpr DType f64 = DType::Float64;

// The scores that compare q with k directly need equal sizes.
bool needs_equal_sizes(const std::string& name) {
  return name == "dot" || name == "scaled-dot" || name == "gaussian";
}

SequenceAttentionConfig small_config(const std::string& name) {
  return {.query_dim = 4, .key_dim = needs_equal_sizes(name) ? 4 : 6, .attn_dim = 3, .dtype = f64};
}

std::vector<double> softmax_of(const std::vector<double>& s) {
  const double top = *std::max_element(s.begin(), s.end());
  std::vector<double> a;
  double total = 0;
  for (double x : s) total += std::exp(x - top);
  for (double x : s) a.push_back(std::exp(x - top) / total);
  return a;
}

// The soft variants: every registered name but `none` (no weights) and `hard` (one-hot).
std::vector<std::string> soft_variants() {
  std::vector<std::string> names;
  for (const std::string& name : sequence_attention_names())
    if (name != "none" && name != "hard") names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("sequence attention registry: every S variant is listed by name", "[seqattn]") {
  const std::vector<std::string> names = sequence_attention_names();
  for (const std::string expected : {"dot", "scaled-dot", "general", "concat", "additive", "gaussian", "local-m",
                                     "local-p", "hard", "none"}) {
    INFO(expected);
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
    CHECK_FALSE(sequence_attention_description(expected).empty());
  }
  Generator gen(1);
  CHECK_THROWS_WITH(make_sequence_attention("luong", small_config("general"), gen),
                    Catch::Contains("local-p") && Catch::Contains("scaled-dot"));
}

TEST_CASE("dot, scaled-dot and general match hand-computed scores", "[seqattn]") {
  Generator gen(2);
  const Tensor query = from_vector({1, 2}, {1, 2}, f64);
  const Tensor keys = from_vector({1, 0, 0, 1, 1, 1}, {1, 3, 2}, f64);  // k = (1, 0), (0, 1), (1, 1)
  auto expect = [&](const std::string& name, const std::vector<double>& scores) {
    INFO(name);
    const auto attention = make_sequence_attention(name, {.query_dim = 2, .key_dim = 2, .dtype = f64}, gen);
    const AttentionResult r = attention->attend(query, keys, keys, Tensor());
    const std::vector<double> a = softmax_of(scores);
    require_close(r.weights, a, 1e-14);
    require_close(r.context, {a[0] + a[2], a[1] + a[2]}, 1e-14);  // sum_j a_j k_j
  };
  expect("dot", {1, 2, 3});
  expect("scaled-dot", {1 / std::sqrt(2.0), 2 / std::sqrt(2.0), 3 / std::sqrt(2.0)});

  // general with unequal sizes: W (2, 3), keys of size 3.
  GeneralAttention general({.query_dim = 2, .key_dim = 3, .dtype = f64}, gen);
  Tensor weight = general.key_proj->weight;
  ops::copy_(weight, from_vector({1, 0, -1, 0, 2, 1}, {2, 3}, f64));
  const Tensor keys3 = from_vector({1, 0, 0, 0, 1, 0, 1, 1, 1}, {1, 3, 3}, f64);
  // W k = (1, 0), (0, 2), (0, 3); q^T W k = 1, 4, 6.
  const AttentionResult r = general.attend(query, keys3, keys3, Tensor());
  require_close(r.weights, softmax_of({1, 4, 6}), 1e-14);
  general.prepare(keys3);
  require_close(general.attend(query, keys3, keys3, Tensor()).weights, r.weights, 1e-15);
  general.release_prepared();
}

TEST_CASE("dot, scaled-dot and gaussian refuse unequal query and key sizes and say what to do", "[seqattn]") {
  Generator gen(3);
  for (const std::string name : {"dot", "scaled-dot", "gaussian"}) {
    INFO(name);
    CHECK_THROWS_WITH(make_sequence_attention(name, {.query_dim = 4, .key_dim = 8}, gen),
                      Catch::Contains("--bidirectional=false") && Catch::Contains("general") &&
                          Catch::Contains("4") && Catch::Contains("8"));
  }
  // Through the model: a bidirectional encoder's keys are twice the decoder's size.
  CHECK_THROWS_WITH(Seq2Seq({.src_vocab = 9, .tgt_vocab = 9, .hidden = 8, .attention = "dot"}, gen),
                    Catch::Contains("--bidirectional=false"));
  CHECK_NOTHROW(Seq2Seq({.src_vocab = 9, .tgt_vocab = 9, .hidden = 8, .bidirectional = false, .attention = "dot"},
                        gen));
}

TEST_CASE("gradcheck: every soft sequence attention, inputs and parameters, with a masked key",
          "[seqattn][gradcheck]") {
  for (const std::string& name : soft_variants()) {
    INFO(name);
    Generator gen(4);
    SequenceAttentionConfig config = small_config(name);
    config.window = 2;
    const auto attention = make_sequence_attention(name, config, gen);
    attention->set_decoder_step(2);  // local-m's window [0, 4] holds the masked key 3 of row 0
    const Tensor query = random_input({2, config.query_dim}, 41);
    const Tensor keys = random_input({2, 5, config.key_dim}, 42);
    const Tensor values = random_input({2, 5, 3}, 43);
    const Tensor mask = from_vector({1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, {2, 5}, f64);
    const std::vector<Tensor> inputs = with_parameters({query, keys, values}, *attention);
    REQUIRE_GRADCHECK([&](const Inputs& in) {
      attention->prepare(in[1]);  // the prepared path: W K computed once, as the decoder does
      const AttentionResult r = attention->attend(in[0], in[1], in[2], mask);
      attention->release_prepared();
      return concat({r.context, r.weights}, 1);  // (B, Dv + Tk)
    }, inputs);
    // Prepared or not, the same numbers.
    const AttentionResult plain = attention->attend(query, keys, values, mask);
    attention->prepare(keys);
    require_close(attention->attend(query, keys, values, mask).weights, plain.weights, 1e-14);
    attention->release_prepared();
  }
}

TEST_CASE("masked keys get exactly zero weight, rows sum to 1, and a fully masked row gives zeros", "[seqattn]") {
  for (const std::string& name : sequence_attention_names()) {
    if (name == "none") continue;
    for (const bool training : {true, false}) {
      INFO(name << (training ? ", training" : ", evaluation"));
      Generator gen(5);
      const SequenceAttentionConfig config = small_config(name);
      const auto attention = make_sequence_attention(name, config, gen);
      attention->train(training);
      attention->set_decoder_step(1);
      const Tensor query = random_input({3, config.query_dim}, 51);
      const Tensor keys = random_input({3, 6, config.key_dim}, 52);
      const Tensor values = random_input({3, 6, 2}, 53);
      const Tensor mask = from_vector({1, 1, 1, 0, 0, 0,  1, 0, 1, 1, 1, 0,  0, 0, 0, 0, 0, 0}, {3, 6}, f64);
      const AttentionResult r = attention->attend(query, keys, values, mask);
      const std::vector<double> w = heed::test::values(r.weights), m = heed::test::values(mask);
      for (std::size_t i = 0; i < w.size(); ++i)
        if (m[i] == 0.0) REQUIRE(w[i] == 0.0);
      require_close(sum(r.weights, {1}), {1.0, 1.0, 0.0}, 1e-12);
      require_close(select(r.context, 0, 2), {0.0, 0.0}, 0);
      if (name == "hard" && training) continue;  // its scorer learns from the REINFORCE term, not from c
      sum(r.context).backward();
      for (const Tensor& t : with_parameters({query, keys, values}, *attention))
        if (t.grad().defined())  // hard's argmax at evaluation passes no gradient to q or W
          for (double g : heed::test::values(t.grad())) REQUIRE(std::isfinite(g));
    }
  }
}

TEST_CASE("local-m reads only the keys from t - D to t + D", "[seqattn]") {
  Generator gen(6);
  SequenceAttentionConfig config = small_config("local-m");
  config.window = 2;
  const auto attention = make_sequence_attention("local-m", config, gen);
  const Tensor query = random_input({2, 4}, 61), keys = random_input({2, 9, 6}, 62);
  const Tensor mask = from_vector({1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1, 1, 1, 0, 0, 0, 0}, {2, 9}, f64);
  for (std::int64_t t = 0; t < 12; ++t) {
    INFO("decoder step " << t);
    attention->set_decoder_step(t);
    const std::vector<double> w = heed::test::values(attention->attend(query, keys, keys, mask).weights);
    for (std::int64_t b = 0; b < 2; ++b) {
      const std::int64_t length = b == 0 ? 9 : 5;
      double total = 0;
      for (std::int64_t j = 0; j < 9; ++j) {
        const bool inside = j >= t - 2 && j <= t + 2 && j < length;
        if (!inside) REQUIRE(w[b * 9 + j] == 0.0);
        else REQUIRE(w[b * 9 + j] > 0.0);
        total += w[b * 9 + j];
      }
      // A window past the sentence's end holds no key: zero weights, not NaN.
      REQUIRE(std::abs(total - (t - 2 < length ? 1.0 : 0.0)) < 1e-12);
    }
  }
}

TEST_CASE("local-p: a Gaussian-weighted window around p_t = S_b sigmoid(v_p^T tanh(W_p q))", "[seqattn]") {
  Generator gen(7);
  SequenceAttentionConfig config = small_config("local-p");
  config.window = 2;
  LocalPredictiveAttention attention(config, gen);
  const Tensor query = random_input({2, 4}, 71, -3, 3), keys = random_input({2, 10, 6}, 72);
  const Tensor mask = from_vector({1, 1, 1, 1, 1, 1, 1, 1, 1, 1,  1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {2, 10}, f64);
  const std::vector<double> p = heed::test::values(attention.aligned_positions(query, 10, mask));
  const std::vector<double> s = heed::test::values(attention.score->scores(query, keys));
  const std::vector<double> w = heed::test::values(attention.attend(query, keys, keys, mask).weights);
  const double sigma = 2.0 / 2;
  for (std::int64_t b = 0; b < 2; ++b) {
    const std::int64_t length = b == 0 ? 10 : 7;
    INFO("sentence " << b << ", p_t " << p[b]);
    REQUIRE(p[b] > 0.0);
    REQUIRE(p[b] < static_cast<double>(length));
    // By hand: the softmax over the window, times the Gaussian, renormalised.
    std::vector<double> window_scores;
    std::vector<std::int64_t> window;
    for (std::int64_t j = 0; j < length; ++j)
      if (std::abs(static_cast<double>(j) - p[b]) <= 2.0) {
        window.push_back(j);
        window_scores.push_back(s[b * 10 + j]);
      }
    const std::vector<double> a = softmax_of(window_scores);
    std::vector<double> expected(10, 0.0);
    double total = 0;
    for (std::size_t i = 0; i < window.size(); ++i) {
      const double offset = static_cast<double>(window[i]) - p[b];
      expected[window[i]] = a[i] * std::exp(-offset * offset / (2 * sigma * sigma));
      total += expected[window[i]];
    }
    for (double& e : expected) e /= total;
    for (std::int64_t j = 0; j < 10; ++j) {
      INFO("key " << j);
      if (expected[j] == 0.0) REQUIRE(w[b * 10 + j] == 0.0);  // outside the window or padding: exactly zero
      else REQUIRE(std::abs(w[b * 10 + j] - expected[j]) < 1e-12);
    }
  }
  CHECK_THROWS_WITH(LocalPredictiveAttention({.query_dim = 4, .key_dim = 4, .window = 0}, gen),
                    Catch::Contains("window"));
}

namespace {

struct ReverseBatch {
  Tensor src, src_lengths, tgt_in, tgt_out;  // (B, S), (B), (B, S + 1), (B, S + 1)
};

// The `reverse` task: the target is the source backwards, then <eos>.
ReverseBatch reverse_batch(std::int64_t batch, std::int64_t max_len, std::int64_t vocab, Generator& gen) {
  const std::int64_t width = max_len + 1;
  std::vector<std::int64_t> src(batch * max_len, Seq2Seq::kPad), lengths(batch);
  std::vector<std::int64_t> tgt_in(batch * width, Seq2Seq::kPad), tgt_out(batch * width, Seq2Seq::kPad);
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t len = lengths[b] = gen.randint(2, max_len + 1);
    for (std::int64_t t = 0; t < len; ++t) src[b * max_len + t] = gen.randint(Seq2Seq::kEos + 1, vocab);
    tgt_in[b * width] = Seq2Seq::kBos;
    for (std::int64_t t = 0; t < len; ++t)
      tgt_in[b * width + t + 1] = tgt_out[b * width + t] = src[b * max_len + (len - 1 - t)];
    tgt_out[b * width + len] = Seq2Seq::kEos;
  }
  return {from_vector(src, {batch, max_len}), from_vector(lengths, {batch}), from_vector(tgt_in, {batch, width}),
          from_vector(tgt_out, {batch, width})};
}

}  // namespace

TEST_CASE("every registered sequence attention trains the seq2seq: finite, falling loss", "[seqattn]") {
  std::vector<Seq2SeqConfig> configs;
  for (const std::string& name : sequence_attention_names())
    configs.push_back({.src_vocab = 10, .tgt_vocab = 10, .embed_dim = 8, .hidden = 16, .bidirectional = false,
                       .attention = name});
  configs.push_back(configs.front());  // hard attention with the other estimator
  configs.back().attention = "hard";
  configs.back().hard_estimator = "gumbel";
  for (const Seq2SeqConfig& config : configs) {
    INFO(config.attention << (config.attention == "hard" ? " with " + config.hard_estimator : std::string()));
    Generator gen(8);
    const ReverseBatch data = reverse_batch(8, 5, 10, gen);
    Seq2Seq model(config, gen);
    CHECK(model.has_auxiliary_loss() == (config.attention == "hard" && config.hard_estimator == "reinforce"));
    optim::Adam adam(model.parameters(), {.lr = 1e-2});
    std::vector<double> losses;
    for (int step = 0; step < 25; ++step) {
      adam.zero_grad();
      const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
      const Tensor loss = cross_entropy(out.logits, data.tgt_out, Seq2Seq::kPad);
      Tensor total = loss;
      if (model.has_auxiliary_loss()) {  // as the translate driver does
        const Tensor per_token = cross_entropy(out.logits, data.tgt_out, Seq2Seq::kPad, 0.0, Reduction::None);
        total = total + model.auxiliary_loss(sum(per_token.detach(), {1}));
      }
      total.backward();
      adam.step();
      losses.push_back(loss.item());
      REQUIRE(std::isfinite(total.item()));
    }
    const double first = (losses[0] + losses[1] + losses[2]) / 3, last = (losses[22] + losses[23] + losses[24]) / 3;
    INFO("mean cross-entropy of the first 3 steps " << first << ", of the last 3 " << last);
    CHECK(last < 0.8 * first);
    // Decoding runs too, with attention maps over the source where the variant has them.
    model.eval();
    const Translation greedy = model.greedy_decode(data.src, data.src_lengths, Tensor(), 7);
    CHECK(greedy.attention.defined() == (config.attention != "none"));
  }
}
