// heed's AttentionPooling and hierarchical attention network against the PyTorch reference of
// tests/fixtures/make_han_fixtures.py (written from torch's Embedding, GRU with
// pack_padded_sequence, Linear and softmax), in float64. Parameters load by name; results and the
// gradients of L = sum_k sum(result_k * R.result_k) with respect to the input and every parameter
// must agree to 1e-9 (relative).
#include <string>
#include <utility>
#include <vector>

#include "fixture.h"
#include "layers/attention/attention_pooling.h"
#include "layers/models/han.h"

using namespace heed;
using heed::test::Fixture;
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
  const PoolingResult r = pool.pool(h, f["mask"]);
  NamedTensors leaves{{"h", h}};
  for (const auto& named : pool.named_parameters()) leaves.push_back(named);
  require_results_and_gradients(f, {{"output", r.output}, {"weights", r.weights}}, leaves, kTolerance);
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
    require_results_and_gradients(
        f, {{"logits", out.logits}, {"word_weights", out.word_weights}, {"sentence_weights", out.sentence_weights}},
        model.named_parameters(), kTolerance);
  }
}
