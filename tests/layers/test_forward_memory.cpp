// Forward passes that are never back-propagated leave no memory behind.
//
// Each model family runs forward with gradient recording on (the inference
// that forgot NoGradGuard, or the evaluation pass a trainer runs between
// steps) and its outputs, attention maps included, are dropped. heed's live
// tensor bytes must come back to where they stood before: a graph that
// outlives its outputs (a Node that owns itself) would add its activations on
// every call.
#include <functional>
#include <string>

#include "helpers.h"
#include "layers/models/cnn_classifier.h"
#include "layers/models/seq2seq.h"
#include "layers/models/transformer.h"
#include "layers/models/vit.h"

using namespace heed;

namespace {

constexpr int kCalls = 8;

// Runs `forward` once to warm up, then kCalls more times; every call's live bytes must match the first's.
void require_flat_live_bytes(const std::string& family, const std::function<void()>& forward) {
  INFO("model family: " << family);
  forward();
  const std::int64_t live_after_warm_up = memory_stats().current_bytes;
  for (int call = 0; call < kCalls; ++call) {
    forward();
    INFO("after forward call " << call + 1);
    REQUIRE(memory_stats().current_bytes == live_after_warm_up);
  }
}

struct TokenBatch {
  Tensor src, src_lengths, tgt_in;
};

TokenBatch token_batch(std::int64_t vocab, Generator& gen) {
  return {randint(3, vocab, {4, 7}, gen), from_vector(std::vector<std::int64_t>{7, 5, 3, 6}, {4}),
          randint(3, vocab, {4, 5}, gen)};
}

}  // namespace

TEST_CASE("forward-only passes of every model family leave live tensor bytes where they were",
          "[lifetime][models]") {
  Generator gen(5);
  SECTION("RNN encoder-decoder with additive attention") {
    Seq2Seq model({.src_vocab = 11, .tgt_vocab = 11, .embed_dim = 8, .hidden = 12, .attention = "additive"}, gen);
    const TokenBatch batch = token_batch(11, gen);
    REQUIRE(model.parameters().front().requires_grad());
    require_flat_live_bytes("seq2seq", [&] {
      const TranslationOutput out = model.forward(batch.src, batch.src_lengths, Tensor(), batch.tgt_in);
      REQUIRE(out.logits.requires_grad());
      REQUIRE(out.attention.defined());
    });
  }
  SECTION("Transformer encoder-decoder") {
    TransformerConfig config;
    config.src_vocab = 11;
    config.tgt_vocab = 11;
    config.model_dim = 16;
    config.heads = 2;
    config.ff_dim = 24;
    Transformer model(config, gen);
    const TokenBatch batch = token_batch(11, gen);
    require_flat_live_bytes("transformer", [&] {
      const TranslationOutput out = model.forward(batch.src, batch.src_lengths, Tensor(), batch.tgt_in);
      REQUIRE(out.logits.requires_grad());
      REQUIRE(out.attention.defined());
    });
  }
  SECTION("CNN with CBAM") {
    CnnClassifier model({.image_size = 8, .channels = {8, 8}, .num_classes = 3, .hidden = 16}, gen);
    add_vision_attention(model, "cbam", {}, {.reduction = 4, .spatial_kernel = 3}, gen);
    const Tensor images = randn({6, 1, 8, 8}, gen);
    require_flat_live_bytes("cnn + cbam", [&] { REQUIRE(model(images).requires_grad()); });
  }
  SECTION("ViT") {
    VitConfig config;
    config.image_size = 8;
    config.patch = 2;
    config.model_dim = 16;
    config.heads = 2;
    config.layers = 2;
    config.ff_dim = 24;
    VisionTransformer model(config, gen);
    const Tensor images = randn({6, 1, 8, 8}, gen);
    require_flat_live_bytes("vit", [&] {
      const VitOutput out = model.forward(images, /*keep_weights=*/true);
      REQUIRE(out.logits.requires_grad());
      REQUIRE(out.attention.defined());
    });
  }
}
