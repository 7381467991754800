// The positional encodings P3-P7 (learned, shaw, t5, rope, alibi): each one
// against its formula written out by hand, T5's buckets against PyTorch
// fixtures, gradient checks through multi-head attention, masked rows, and
// the query positions of causal attention with fewer queries than keys.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fixture.h"
#include "helpers.h"
#include "layers/attention/mha.h"
#include "layers/position/alibi.h"
#include "layers/position/learned.h"
#include "layers/position/registry.h"
#include "layers/position/rope.h"
#include "layers/position/shaw.h"
#include "layers/position/t5.h"

using namespace heed;
using heed::test::load_fixture;
using heed::test::random_input;
using heed::test::require_close;

namespace {

const std::vector<std::string> kEncodings = {"none", "learned", "shaw", "t5", "rope", "alibi"};

// Small float64 sizes shared by the attention tests: D = 8, H = 2, Dh = 4.
PositionConfig small_position(bool causal = false) {
  return {.model_dim = 8, .heads = 2, .max_len = 8, .max_distance = 2, .buckets = 8, .causal = causal,
          .dtype = DType::Float64};
}

MultiHeadAttention small_mha(Generator& gen, std::int64_t model_dim = 8, std::int64_t heads = 2) {
  return MultiHeadAttention({.model_dim = model_dim, .heads = heads, .dtype = DType::Float64}, gen);
}

// Attention over x with the encoding where it belongs: absolute ones are added
// to the inputs (the queries sit at the end of the memory), the others act inside.
TransformerAttentionOutput attend(MultiHeadAttention& mha, PositionalEncoding& position, const Tensor& query,
                                  const Tensor& memory, bool causal, const Tensor& key_mask = Tensor()) {
  if (position.kind() == PositionKind::Absolute) {
    const bool self = query.impl_ptr() == memory.impl_ptr();
    const Tensor m = position.embed(memory);
    const Tensor q = self ? m : position.embed(query, memory.size(1) - query.size(1));
    return mha.forward({.query = q, .memory = m, .key_mask = key_mask, .causal = causal, .keep_weights = true});
  }
  return mha.forward({.query = query, .memory = memory, .key_mask = key_mask, .causal = causal,
                      .position = &position, .keep_weights = true});
}

// x (T, Dh) rotated the long way: each pair (2i, 2i+1) of row t times the 2x2 matrix of angle p_t * theta_i.
std::vector<double> rotate_by_hand(const std::vector<double>& x, const std::vector<std::int64_t>& positions,
                                   std::int64_t dh, double base) {
  std::vector<double> out(x.size());
  for (std::size_t t = 0; t < positions.size(); ++t) {
    for (std::int64_t i = 0; i < dh / 2; ++i) {
      const double angle = static_cast<double>(positions[t]) * std::pow(base, -2.0 * i / static_cast<double>(dh));
      const double rotation[2][2] = {{std::cos(angle), -std::sin(angle)}, {std::sin(angle), std::cos(angle)}};
      const double a = x[t * dh + 2 * i], b = x[t * dh + 2 * i + 1];
      out[t * dh + 2 * i] = rotation[0][0] * a + rotation[0][1] * b;
      out[t * dh + 2 * i + 1] = rotation[1][0] * a + rotation[1][1] * b;
    }
  }
  return out;
}

// y = x W^T + b for x (T, in), W (out, in), by loops.
std::vector<double> linear_by_hand(const std::vector<double>& x, const Linear& layer, std::int64_t rows) {
  const auto w = layer.weight.to_vector<double>(), b = layer.bias.to_vector<double>();
  const std::int64_t out = layer.weight.size(0), in = layer.weight.size(1);
  std::vector<double> y(rows * out);
  for (std::int64_t t = 0; t < rows; ++t)
    for (std::int64_t o = 0; o < out; ++o) {
      double s = b[o];
      for (std::int64_t c = 0; c < in; ++c) s += w[o * in + c] * x[t * in + c];
      y[t * out + o] = s;
    }
  return y;
}

}  // namespace

TEST_CASE("every position encoding is registered with its kind", "[position]") {
  const std::vector<std::pair<std::string, PositionKind>> expected = {
      {"learned", PositionKind::Absolute}, {"shaw", PositionKind::Relative}, {"t5", PositionKind::ScoreBias},
      {"rope", PositionKind::Rotary},      {"alibi", PositionKind::ScoreBias}};
  for (const auto& [name, kind] : expected) {
    INFO(name);
    CHECK(make_positional_encoding(name, small_position())->kind() == kind);
    CHECK_FALSE(positional_encoding_description(name).empty());
  }
  CHECK(make_positional_encoding("alibi", small_position())->num_parameters() == 0);
  CHECK(make_positional_encoding("rope", small_position())->num_parameters() == 0);
  CHECK(make_positional_encoding("t5", small_position())->num_parameters() == 8 * 2);
  CHECK(make_positional_encoding("shaw", small_position())->num_parameters() == 2 * 5 * 4);
}

TEST_CASE("rope turns each channel pair by the 2x2 rotation of its angle, from any offset", "[position]") {
  RotaryPosition rope({.model_dim = 12, .heads = 2, .base = 100.0, .dtype = DType::Float64});
  const Tensor x = random_input({2, 2, 3, 6}, 1);  // (B, H, T, Dh)
  for (std::int64_t offset : {0, 5}) {
    INFO("offset " << offset);
    const Tensor turned = rope.rotate(x, position_ids(3, offset));
    const std::vector<std::int64_t> positions = {offset, offset + 1, offset + 2};
    for (std::int64_t b = 0; b < 2; ++b)
      for (std::int64_t h = 0; h < 2; ++h) {
        const Tensor head = select(select(x, 0, b), 0, h);  // (T, Dh)
        require_close(select(select(turned, 0, b), 0, h), rotate_by_hand(head.to_vector<double>(), positions, 6, 100.0),
                      1e-12);
      }
  }
  CHECK_THROWS_WITH(rope.rotate(random_input({1, 1, 3, 4}, 2), position_ids(3)),
                    Catch::Contains("RotaryPosition") && Catch::Contains("(1,1,3,4)"));
  CHECK_THROWS_WITH(RotaryPosition({.model_dim = 6, .heads = 2}), Catch::Contains("even"));
}

TEST_CASE("rope makes q_i . k_j depend only on j - i", "[position]") {
  RotaryPosition rope({.model_dim = 8, .heads = 1, .dtype = DType::Float64});
  const Tensor q = random_input({1, 8}, 3), k = random_input({1, 8}, 4);  // one token each
  const auto score = [&](std::int64_t i, std::int64_t j) {
    const Tensor qi = rope.rotate(q, position_ids(1, i)), kj = rope.rotate(k, position_ids(1, j));
    return sum(qi * kj).item();
  };
  for (std::int64_t i : {0, 2, 7}) {
    for (std::int64_t j : {0, 1, 5}) {
      for (std::int64_t shift : {1, 13, 100}) {
        INFO("i " << i << " j " << j << " shift " << shift);
        CHECK(score(i + shift, j + shift) == Approx(score(i, j)).margin(1e-12));
      }
    }
  }
  CHECK(std::abs(score(0, 1) - score(0, 2)) > 1e-6);  // the distance itself does matter
  CHECK(sum(square(rope.rotate(q, position_ids(1, 9)))).item() == Approx(sum(square(q)).item()));
}

TEST_CASE("alibi slopes follow Press et al. for 8, 6 and 12 heads", "[position]") {
  std::vector<double> eight;
  for (int k = 1; k <= 8; ++k) eight.push_back(std::pow(2.0, -k));  // 2^(-8h/8): 1/2 ... 1/256
  CHECK(alibi_slopes(8) == eight);
  // 6 is not a power of two: the 4-head slopes, then every other 8-head slope.
  CHECK(alibi_slopes(6) == std::vector<double>{1.0 / 4, 1.0 / 16, 1.0 / 64, 1.0 / 256, 1.0 / 2, 1.0 / 8});
  const std::vector<double> twelve = alibi_slopes(12);
  REQUIRE(twelve.size() == 12);
  for (int h = 0; h < 8; ++h) CHECK(twelve[h] == eight[h]);
  for (int h = 0; h < 4; ++h) CHECK(twelve[8 + h] == Approx(std::pow(2.0, -0.5 - h)).epsilon(1e-15));
  CHECK(alibi_slopes(1) == std::vector<double>{1.0 / 256});
}

TEST_CASE("alibi adds -m_h |i - j| to the scores", "[position]") {
  AlibiBias alibi({.heads = 2, .dtype = DType::Float64});
  const Tensor bias = alibi.score_bias(relative_distances(2, 3, 1));  // queries at 1, 2; keys at 0, 1, 2
  REQUIRE(bias.shape() == Shape({2, 2, 3}));
  const double m0 = 1.0 / 16, m1 = 1.0 / 256;
  require_close(bias, {-m0, 0, -m0, -2 * m0, -m0, 0, -m1, 0, -m1, -2 * m1, -m1, 0}, 0);
}

TEST_CASE("t5 buckets match T5's _relative_position_bucket", "[position]") {
  for (const char* name : {"t5_buckets_bidirectional", "t5_buckets_causal", "t5_buckets_bidirectional_small",
                           "t5_buckets_causal_small"}) {
    INFO(name);
    const auto f = load_fixture("position", name);
    const Tensor got = t5_relative_position_bucket(f["distances"], f.config.at("bidirectional").get<bool>(),
                                                   f.integer("buckets"), f.integer("max_distance"));
    CHECK(got.to_vector<std::int64_t>() == f["buckets"].to_vector<std::int64_t>());
  }
}

TEST_CASE("t5 reads one learned bias per head and bucket, causal when asked", "[position]") {
  for (bool causal : {false, true}) {
    INFO("causal " << causal);
    // 8 buckets up to 8 * 2 = 16: bidirectional 2 exact per side, causal 4 exact.
    T5RelativeBias t5(small_position(causal));
    const Tensor d = relative_distances(3, 5, 2);
    const Tensor bias = t5.score_bias(d);  // (H, Tq, Tk)
    REQUIRE(bias.shape() == Shape({2, 3, 5}));
    const auto buckets = t5_relative_position_bucket(d, !causal, 8, 16).to_vector<std::int64_t>();
    const auto table = t5.bias_table.to_vector<double>();  // (buckets, H)
    std::vector<double> expected;
    for (std::int64_t h = 0; h < 2; ++h)
      for (std::int64_t b : buckets) expected.push_back(table[b * 2 + h]);
    require_close(bias, expected, 0);
    // Keys after the query: their own buckets in an encoder, bucket 0 in a decoder.
    const auto future = t5_relative_position_bucket(from_vector<std::int64_t>({1, 3, 20}, {3}), !causal, 8, 16);
    const std::vector<std::int64_t> expected_future = causal ? std::vector<std::int64_t>{0, 0, 0}
                                                             : std::vector<std::int64_t>{5, 6, 7};
    CHECK(future.to_vector<std::int64_t>() == expected_future);
  }
}

TEST_CASE("shaw through one-head attention equals Shaw's equations per (i, j)", "[position]") {
  const std::int64_t T = 5, D = 4, k = 1;
  Generator gen(5);
  MultiHeadAttention mha = small_mha(gen, D, 1);
  ShawRelativePosition shaw({.model_dim = D, .heads = 1, .max_distance = k, .dtype = DType::Float64}, gen);
  const Tensor x = random_input({1, T, D}, 6);
  for (bool causal : {false, true}) {
    INFO("causal " << causal);
    const auto xs = x.to_vector<double>();
    const auto q = linear_by_hand(xs, *mha.q_proj, T), kk = linear_by_hand(xs, *mha.k_proj, T),
               v = linear_by_hand(xs, *mha.v_proj, T);
    const auto a_key = shaw.key_rows.to_vector<double>(), a_value = shaw.value_rows.to_vector<double>();
    std::vector<double> z(T * D, 0.0);
    for (std::int64_t i = 0; i < T; ++i) {
      std::vector<double> e(T, -std::numeric_limits<double>::infinity());
      double top = e[0];
      for (std::int64_t j = 0; j < T; ++j) {
        if (causal && j > i) continue;
        const std::int64_t row = std::clamp<std::int64_t>(j - i, -k, k) + k;
        double s = 0;
        for (std::int64_t c = 0; c < D; ++c) s += q[i * D + c] * (kk[j * D + c] + a_key[row * D + c]);
        e[j] = s / std::sqrt(static_cast<double>(D));
        top = std::max(top, e[j]);
      }
      double total = 0;
      for (std::int64_t j = 0; j < T; ++j) total += std::exp(e[j] - top);
      for (std::int64_t j = 0; j < T; ++j) {
        const std::int64_t row = std::clamp<std::int64_t>(j - i, -k, k) + k;
        const double a = std::exp(e[j] - top) / total;
        for (std::int64_t c = 0; c < D; ++c) z[i * D + c] += a * (v[j * D + c] + a_value[row * D + c]);
      }
    }
    const auto expected = linear_by_hand(z, *mha.out_proj, T);
    require_close(mha.forward({.query = x, .memory = x, .causal = causal, .position = &shaw}).output, expected, 1e-12);
  }
}

TEST_CASE("rope, t5 and alibi change mha's weights as their formulas say", "[position]") {
  for (const std::string name : {"rope", "t5", "alibi"}) {
    DYNAMIC_SECTION(name) {
      Generator gen(8);
      MultiHeadAttention mha = small_mha(gen);
      const auto position = make_positional_encoding(name, small_position(), gen);
      const Tensor x = random_input({2, 4, 8}, 9);
      // softmax(q k^T / sqrt(Dh) + b) built step by step: rotate q and k, or add the (H, T, T) bias.
      Tensor q = split_heads(mha.q_proj->forward(x), 2), k = split_heads(mha.k_proj->forward(x), 2);  // (B, H, T, Dh)
      if (name == "rope") {
        q = position->rotate(q, position_ids(4));
        k = position->rotate(k, position_ids(4));
      }
      Tensor scores = matmul(q, transpose(k, 2, 3)) / 2.0;  // (B, H, T, T), sqrt(Dh) = 2
      if (name != "rope") scores = scores + position->score_bias(relative_distances(4, 4));
      const Tensor weights = attend(mha, *position, x, x, false).weights;
      require_close(weights, softmax(scores, -1), 1e-12);
      // And the encoding does change them.
      const Tensor plain = attend(mha, *make_positional_encoding("none", {}), x, x, false).weights;
      CHECK(ops::max(abs(weights - plain)).item() > 1e-3);
    }
  }
}

TEST_CASE("learned positions add their rows and refuse a sequence longer than max_len", "[position]") {
  LearnedPosition learned({.model_dim = 3, .max_len = 4, .dtype = DType::Float64});
  const Tensor x = random_input({2, 2, 3}, 7);
  const Tensor table = learned.table.detach();
  require_close(learned.embed(x, 1), x + narrow(table, 0, 1, 2), 0);
  CHECK_THROWS_WITH(learned.embed(random_input({1, 5, 3}, 8)),
                    Catch::Contains("max_len = 4") && Catch::Contains("(1,5,3)"));
  CHECK_THROWS_WITH(learned.embed(x, 3), Catch::Contains("max_len = 4"));
  CHECK_THROWS_WITH(learned.embed(random_input({1, 2, 5}, 9)), Catch::Contains("(1,2,5)"));
}

TEST_CASE("position encodings pass float64 gradient checks through mha", "[position][gradcheck]") {
  for (const std::string& name : kEncodings) {
    for (bool causal : {false, true}) {
      DYNAMIC_SECTION(name << (causal ? " causal" : "")) {
        Generator gen(10);
        MultiHeadAttention mha = small_mha(gen);
        const auto position = make_positional_encoding(name, small_position(causal), gen);
        const Tensor x = random_input({2, 4, 8}, 11);
        const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 1, 1, 0}, {2, 4});
        auto through_input = [&](const std::vector<Tensor>& in) {
          return attend(mha, *position, in[0], in[0], causal, key_mask).output;
        };
        REQUIRE_GRADCHECK(through_input, {x});
        // The encoding's own parameters (learned, shaw, t5); rope and alibi have none.
        const std::vector<Tensor> params = position->parameters();
        CHECK(params.empty() == (name == "none" || name == "rope" || name == "alibi"));
        auto through_table = [&](const std::vector<Tensor>&) {
          return attend(mha, *position, x, x, causal, key_mask).output;
        };
        if (!params.empty()) REQUIRE_GRADCHECK(through_table, params);
      }
    }
  }
}

TEST_CASE("with every encoding, masked keys get zero weight and all-padding rows give zeros", "[position]") {
  for (const std::string& name : kEncodings) {
    DYNAMIC_SECTION(name) {
      Generator gen(12);
      MultiHeadAttention mha = small_mha(gen);
      const auto position = make_positional_encoding(name, small_position(true), gen);
      const Tensor x = random_input({2, 3, 8}, 13);
      const Tensor key_mask = from_vector({1, 1, 0, 0, 0, 0}, {2, 3});  // the second sentence is all padding
      const TransformerAttentionOutput out = attend(mha, *position, x, x, /*causal=*/true, key_mask);
      for (double v : out.output.to_vector<double>()) REQUIRE(std::isfinite(v));
      const auto w = out.weights.to_vector<double>();  // (B, H, Tq, Tk)
      for (std::int64_t h = 0; h < 2; ++h)
        for (std::int64_t i = 0; i < 3; ++i)
          for (std::int64_t j = 0; j < 3; ++j) {
            REQUIRE(std::isfinite(w[((0 * 2 + h) * 3 + i) * 3 + j]));
            if (j > i || j == 2) CHECK(w[((0 * 2 + h) * 3 + i) * 3 + j] == 0.0);  // future or padding
            CHECK(w[((1 * 2 + h) * 3 + i) * 3 + j] == 0.0);                       // nothing to see
          }
      // With no weight on any value, the padded sentence's output is the output projection's bias.
      for (std::int64_t t = 0; t < 3; ++t)
        require_close(select(select(out.output, 0, 1), 0, t), mha.out_proj->bias, 1e-12);
    }
  }
}

TEST_CASE("causal attention with fewer queries than keys puts the queries at the end", "[position]") {
  for (const std::string& name : kEncodings) {
    DYNAMIC_SECTION(name) {
      Generator gen(14);
      MultiHeadAttention mha = small_mha(gen);
      const auto position = make_positional_encoding(name, small_position(true), gen);
      const Tensor x = random_input({2, 6, 8}, 15);
      const Tensor last = contiguous(narrow(x, 1, 2, 4));  // the last 4 tokens, as new queries
      const TransformerAttentionOutput full = attend(mha, *position, x, x, true);
      const TransformerAttentionOutput tail = attend(mha, *position, last, x, true);
      require_close(tail.output, narrow(full.output, 1, 2, 4), 1e-12);
      require_close(tail.weights, narrow(full.weights, 2, 2, 4), 1e-12);
    }
  }
}
