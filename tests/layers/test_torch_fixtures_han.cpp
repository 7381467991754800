// heed's AttentionPooling and hierarchical attention network against the PyTorch reference of
// tests/fixtures/make_han_fixtures.py (written from torch's Embedding, GRU with
// pack_padded_sequence, Linear and softmax), in float64. Parameters load by name; results and the
// gradients of L = sum_k sum(result_k * R.result_k) with respect to the input and every parameter
// must agree to 1e-9 (relative).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"
#include "layers/attention/attention_pooling.h"
#include "layers/models/han.h"

using namespace heed;
using heed::test::Fixture;
using heed::test::values;
using heed::test::load_parameters;
using heed::test::require_close;
using heed::test::require_results_and_gradients;

namespace {

constexpr double kTolerance = 1e-9;

}  // namespace

TEST_CASE("torch fixtures: AttentionPooling with a padding mask", "[han][fixtures]") {
  const Fixture f = heed::test::load_fixture("han", "attention_pooling");
  AttentionPooling pool(f.integer("input_dim"), f.integer("attn_dim"), default_generator(), DType::Float64);
  load_parameters(pool, f);
  const Tensor h = f.leaf("h");
  heed::test::require_some_padding(f);
  const PoolingResult r = pool.pool(h, f["mask"]);
  // Padded positions get exactly zero weight; the rest sum to one.
  const std::vector<double> mask = values(f["mask"]), weights = values(r.weights);
  REQUIRE(weights.size() == mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i] == 0.0) REQUIRE(weights[i] == 0.0);
  for (double s : values(sum(r.weights, {-1}))) REQUIRE(s == Approx(1.0).margin(1e-12));
  require_results_and_gradients(f, {{"output", r.output}, {"weights", r.weights}},
                                heed::test::with_named_parameters({{"h", h}}, pool), kTolerance);
}

TEST_CASE("torch fixtures: HAN with attention and with mean pooling on padded documents", "[han][fixtures]") {
  for (const char* name : {"han_attention", "han_mean"}) {
    const Fixture f = heed::test::load_fixture("han", name);
    HanConfig c;
    c.vocab_size = f.integer("vocab_size");
    c.num_classes = f.integer("num_classes");
    c.embed_dim = f.integer("embed_dim");
    c.word_hidden = f.integer("word_hidden");
    c.sentence_hidden = f.integer("sentence_hidden");
    c.attn_dim = f.integer("attn_dim");
    c.pooling = f.config.at("pooling").get<std::string>();
    c.dtype = DType::Float64;
    HierarchicalAttentionNetwork model(c);
    load_parameters(model, f);
    const HanOutput out = model.forward(f["words"], f["word_lengths"], f["sentence_lengths"]);
    // "Padded documents": some sentence of some document is shorter than the longest.
    const std::vector<double> lengths = values(f["sentence_lengths"]);
    REQUIRE(*std::min_element(lengths.begin(), lengths.end()) < *std::max_element(lengths.begin(), lengths.end()));
    require_results_and_gradients(
        f, {{"logits", out.logits}, {"word_weights", out.word_weights}, {"sentence_weights", out.sentence_weights}},
        model.named_parameters(), kTolerance);
  }
}
