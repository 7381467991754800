// AttentionPooling and the hierarchical attention network: float64 gradient checks (inputs and
// parameters), the formula written out by hand, masking (padding gets zero weight, a fully
// masked row gives zeros and no NaN), and padding invariance of the whole model.
#include <algorithm>
#include <cmath>
#include <string>
#include <limits>
#include <vector>

#include "helpers.h"
#include "layers/attention/attention_pooling.h"
#include "layers/models/han.h"

using namespace heed;
using heed::test::flat;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::with_parameters;
using Inputs = std::vector<Tensor>;

namespace {

constexpr DType f64 = DType::Float64;

bool all_finite(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

// Two documents: the first has 3 sentences of 4, 2 and 3 words; the second 2 sentences of 1 and 4
// words and one padding sentence. Vocabulary of 7 ids, 0 = padding.
struct TinyDocs {
  Tensor words = from_vector(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 0, 0, 2, 2, 3, 0,  //
                                                       6, 0, 0, 0, 4, 3, 1, 5, 0, 0, 0, 0},
                             {2, 3, 4});
  Tensor word_lengths = from_vector(std::vector<std::int64_t>{4, 2, 3, 1, 4, 0}, {2, 3});
  Tensor sentence_lengths = from_vector(std::vector<std::int64_t>{3, 2}, {2});
};

HanConfig tiny_config(const std::string& pooling) {
  HanConfig c;
  c.vocab_size = 7;
  c.num_classes = 3;
  c.embed_dim = 3;
  c.word_hidden = 2;
  c.sentence_hidden = 2;
  c.attn_dim = 3;
  c.pooling = pooling;
  c.dtype = f64;
  return c;
}

}  // namespace

TEST_CASE("AttentionPooling matches the formula written out by hand", "[han][attention]") {
  Generator gen(3);
  AttentionPooling pool(3, 2, gen, f64);
  const Tensor h = random_input({1, 4, 3}, 31);
  const Tensor mask = from_vector({1, 1, 0, 1}, {1, 4});
  const PoolingResult result = pool.pool(h, mask);
  const auto x = h.to_vector<double>(), w = pool.proj->weight.to_vector<double>();
  const auto b = pool.proj->bias.to_vector<double>(), u_w = pool.context.to_vector<double>();
  std::vector<double> scores(4);
  for (int t = 0; t < 4; ++t)
    for (int a = 0; a < 2; ++a) {
      double pre = b[a];
      for (int d = 0; d < 3; ++d) pre += w[a * 3 + d] * x[t * 3 + d];
      scores[t] += std::tanh(pre) * u_w[a];
    }
  double total = 0;
  for (int t : {0, 1, 3}) total += std::exp(scores[t]);
  std::vector<double> weights(4, 0.0), output(3, 0.0);
  for (int t : {0, 1, 3}) {
    weights[t] = std::exp(scores[t]) / total;
    for (int d = 0; d < 3; ++d) output[d] += weights[t] * x[t * 3 + d];
  }
  require_close(result.weights, weights, 1e-12);
  require_close(result.output, output, 1e-12);
  CHECK(pool.forward(h).shape() == Shape({1, 3}));  // unmasked form
  const NamedTensors params = pool.named_parameters();
  std::vector<std::string> names;
  for (const auto& [name, value] : params) names.push_back(name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"context", "proj.bias", "proj.weight"});
}

TEST_CASE("gradcheck: AttentionPooling (input and parameters, with a mask and a fully masked row)",
          "[han][attention][gradcheck]") {
  Generator gen(4);
  AttentionPooling pool(4, 3, gen, f64);
  const Tensor h = random_input({3, 5, 4}, 41);
  const Tensor mask = from_vector({1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, {3, 5});
  REQUIRE_GRADCHECK(
      [&](const Inputs& in) {
        const PoolingResult r = pool.pool(in[0], mask);
        return concat({flat(r.output), flat(r.weights)}, 0);
      },
      with_parameters({h}, pool));
  REQUIRE_GRADCHECK([&](const Inputs& in) { return pool.forward(in[0]); }, with_parameters({h}, pool));
}

TEST_CASE("AttentionPooling: masked elements get zero weight, a fully masked row zeros and no NaN",
          "[han][attention][mask]") {
  Generator gen(5);
  AttentionPooling pool(4, 0, gen, f64);
  CHECK(pool.attn_dim == 4);
  const Tensor h = random_input({2, 3, 4}, 51);
  const Tensor mask = from_vector({0, 1, 1, 0, 0, 0}, {2, 3});
  const PoolingResult r = pool.pool(h, mask);
  const auto w = r.weights.to_vector<double>();
  CHECK(w[0] == 0.0);
  CHECK(w[1] + w[2] == Approx(1.0).epsilon(1e-12));
  require_close(select(r.weights, 0, 1), std::vector<double>{0, 0, 0}, 0);
  require_close(select(r.output, 0, 1), std::vector<double>{0, 0, 0, 0}, 0);
  // The backward pass through the fully masked row is finite too.
  (sum(r.output * r.output) + sum(r.weights)).backward();
  REQUIRE(all_finite(h.grad()));
  for (const Tensor& p : pool.parameters()) REQUIRE(all_finite(p.grad()));
  // Changing a masked element changes nothing.
  const Tensor changed = h.detach() + from_vector({9, 9, 9, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                                  {2, 3, 4}, f64);
  require_close(pool.pool(changed, mask).output, r.output, 1e-12);
  CHECK_THROWS_WITH(pool.pool(h, from_vector({1, 1}, {2, 1})),
                    Catch::Contains("AttentionPooling") && Catch::Contains("(2,1)") && Catch::Contains("(2,3)"));
  CHECK_THROWS_WITH(pool.pool(random_input({2, 3, 5}, 52)), Catch::Contains("(2,3,5)"));
}

TEST_CASE("masked_mean_pooling averages the real elements, zeros for a fully masked row", "[han][mask]") {
  const Tensor h = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 3, 2}, f64);
  const PoolingResult r = masked_mean_pooling(h, from_vector({1, 0, 1, 0, 0, 0}, {2, 3}));
  require_close(r.output, std::vector<double>{3, 4, 0, 0}, 1e-12);
  require_close(r.weights, std::vector<double>{0.5, 0, 0.5, 0, 0, 0}, 1e-12);
  require_close(masked_mean_pooling(h).output, std::vector<double>{3, 4, 9, 10}, 1e-12);
  const Tensor x = random_input({2, 3, 2}, 61);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return masked_mean_pooling(in[0], from_vector({1, 1, 0, 0, 0, 0}, {2, 3})).output; },
                    {x});
}

TEST_CASE("gradcheck: a tiny HAN with respect to every parameter, attention and mean pooling",
          "[han][gradcheck]") {
  const TinyDocs docs;
  for (const std::string pooling : {"attention", "mean"}) {
    INFO("pooling " << pooling);
    Generator gen(7);
    HierarchicalAttentionNetwork model(tiny_config(pooling), gen);
    REQUIRE_GRADCHECK(
        [&](const Inputs&) {
          const HanOutput out = model.forward(docs.words, docs.word_lengths, docs.sentence_lengths);
          return concat({flat(out.logits), flat(out.word_weights), flat(out.sentence_weights)}, 0);
        },
        model.parameters());
  }
}

TEST_CASE("HAN: shapes, zero weight on padding, weights summing to one", "[han][mask]") {
  const TinyDocs docs;
  Generator gen(8);
  HierarchicalAttentionNetwork model(tiny_config("attention"), gen);
  const HanOutput out = model.forward(docs.words, docs.word_lengths, docs.sentence_lengths);
  REQUIRE(out.logits.shape() == Shape({2, 3}));
  REQUIRE(out.word_weights.shape() == Shape({2, 3, 4}));
  REQUIRE(out.sentence_weights.shape() == Shape({2, 3}));
  const auto words = docs.words.to_vector<std::int64_t>();
  const auto ww = out.word_weights.to_vector<double>();
  for (std::size_t i = 0; i < words.size(); ++i) {
    INFO("word position " << i);
    if (words[i] == 0) CHECK(ww[i] == 0.0);
    else CHECK(ww[i] > 0.0);
  }
  const auto lengths = docs.word_lengths.to_vector<std::int64_t>();
  for (std::size_t row = 0; row < 6; ++row) {
    double total = 0;
    for (std::size_t w = 0; w < 4; ++w) total += ww[row * 4 + w];
    CHECK(total == Approx(lengths[row] > 0 ? 1.0 : 0.0).margin(1e-12));
  }
  const auto sw = out.sentence_weights.to_vector<double>();
  CHECK(sw[5] == 0.0);  // the second document's padding sentence
  CHECK(sw[0] + sw[1] + sw[2] == Approx(1.0).epsilon(1e-12));
  CHECK(sw[3] + sw[4] == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("HAN: a padded document scores exactly as it does alone", "[han][mask]") {
  const TinyDocs docs;
  Generator gen(9);
  HierarchicalAttentionNetwork model(tiny_config("attention"), gen);
  const HanOutput both = model.forward(docs.words, docs.word_lengths, docs.sentence_lengths);
  // The second document alone: 2 sentences of at most 4 words, no padding sentence.
  const Tensor alone_words = from_vector(std::vector<std::int64_t>{6, 0, 0, 0, 4, 3, 1, 5}, {1, 2, 4});
  const HanOutput alone = model.forward(alone_words, from_vector(std::vector<std::int64_t>{1, 4}, {1, 2}),
                                        from_vector(std::vector<std::int64_t>{2}, {1}));
  require_close(select(both.logits, 0, 1), flat(alone.logits), 1e-12);
  require_close(narrow(select(both.sentence_weights, 0, 1), 0, 0, 2), flat(alone.sentence_weights), 1e-12);
}

TEST_CASE("HAN refuses inconsistent lengths and unknown poolings, naming the fix", "[han][errors]") {
  const TinyDocs docs;
  Generator gen(10);
  HierarchicalAttentionNetwork model(tiny_config("attention"), gen);
  const Tensor gap = from_vector(std::vector<std::int64_t>{4, 0, 3, 1, 4, 0}, {2, 3});  // a padding sentence in the middle
  CHECK_THROWS_WITH(model.forward(docs.words, gap, docs.sentence_lengths),
                    Catch::Contains("document 0 sentence 1") && Catch::Contains("come first"));
  CHECK_THROWS_WITH(model.forward(docs.words, docs.word_lengths, from_vector(std::vector<std::int64_t>{3, 0}, {2})),
                    Catch::Contains("document 1 has 0 sentences"));
  HanConfig bad = tiny_config("max");
  CHECK_THROWS_WITH(HierarchicalAttentionNetwork(bad, gen), Catch::Contains("'max'") && Catch::Contains("attention, mean"));
}
