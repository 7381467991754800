// The vision attention modules inside the CNN (add_vision_attention, layers/models/
// cnn_classifier.h): every registered name trains the model with a finite, falling loss on a tiny
// image task; the modules land where they are asked (chosen blocks, or in place of the flatten
// for attention-pool, with the head rebuilt); bad names and blocks are refused with a reason.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
#include "layers/vision/registry.h"
#include "optim/adam.h"

using namespace heed;

namespace {

constexpr std::int64_t kSide = 8, kClasses = 3;

// 8x8 images of 3 classes: a bright 3x3 patch at the top left, the centre or the bottom right,
// over noise; 30 images, balanced.
struct TinyImages {
  Tensor images, labels;
};

TinyImages tiny_images(Generator& gen) {
  const std::int64_t count = 30;
  std::vector<double> pixels = randn({count, 1, kSide, kSide}, gen, DType::Float64).to_vector<double>();
  std::vector<std::int64_t> labels;
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t label = i % kClasses, corner = 1 + 2 * label;  // rows and columns 1, 3 or 5
    labels.push_back(label);
    for (std::int64_t r = corner; r < corner + 3; ++r)
      for (std::int64_t c = corner; c < corner + 3; ++c) pixels[static_cast<std::size_t>((i * kSide + r) * kSide + c)] += 3;
  }
  return {from_vector(pixels, {count, 1, kSide, kSide}).to(DType::Float32), from_vector(labels, {count})};
}

CnnConfig tiny_cnn() { return {.image_size = kSide, .channels = {8, 8}, .num_classes = kClasses, .hidden = 16}; }

bool has_parameter(const Module& model, const std::string& name) {
  for (const auto& [n, _] : model.named_parameters())
    if (n == name) return true;
  return false;
}

}  // namespace

TEST_CASE("every registered vision attention trains the CNN with a finite, falling loss", "[vision][train]") {
  for (const std::string& name : vision_attention_names()) {
    INFO("vision attention " << name);
    Generator gen(21);
    const TinyImages data = tiny_images(gen);
    CnnClassifier model(tiny_cnn(), gen);
    add_vision_attention(model, name, {}, {.reduction = 4, .spatial_kernel = 3}, gen);
    optim::Adam adam(model.parameters(), {.lr = 1e-2});
    std::vector<double> losses;
    for (int step = 0; step < 12; ++step) {
      const Tensor loss = cross_entropy(model(data.images), data.labels);
      losses.push_back(loss.item());
      adam.zero_grad();
      loss.backward();
      adam.step();
    }
    INFO("loss " << losses.front() << " -> " << losses.back());
    for (double loss : losses) REQUIRE(std::isfinite(loss));
    CHECK(losses.back() < 0.5 * losses.front());
  }
}

TEST_CASE("add_vision_attention plugs modules after the chosen blocks", "[vision]") {
  Generator gen(22);
  CnnClassifier plain(tiny_cnn(), gen);
  CnnClassifier model(tiny_cnn(), gen);
  add_vision_attention(model, "se", {1}, {.reduction = 4}, gen);
  CHECK(model.block_attention()[0] == nullptr);
  const auto se = std::dynamic_pointer_cast<VisionAttention>(model.block_attention()[1]);
  REQUIRE(se != nullptr);
  CHECK(se->config.channels == 8);
  CHECK(se->config.size == kSide / 2);  // block 1 sees the map after block 0's pooling
  CHECK(has_parameter(model, "blocks.1.attention.mlp.reduce.weight"));
  CHECK(model.num_parameters() == plain.num_parameters() + (8 * 2 + 2) + (2 * 8 + 8));
  model(zeros({2, 1, kSide, kSide}));
  CHECK(se->last_channel_weights().shape() == Shape{2, 8});

  CnnClassifier every(tiny_cnn(), gen);
  add_vision_attention(every, "cbam", {}, {}, gen);  // no blocks named: all of them
  CHECK(every.block_attention()[0] != nullptr);
  CHECK(every.block_attention()[1] != nullptr);

  CnnClassifier baseline(tiny_cnn(), gen);
  add_vision_attention(baseline, "none", {}, {}, gen);
  CHECK(baseline.num_parameters() == plain.num_parameters());
}

TEST_CASE("attention-pool replaces the flatten and the head is rebuilt for C features", "[vision]") {
  Generator gen(23);
  CnnClassifier model(tiny_cnn(), gen);
  CHECK(model.final_size() == 2);
  add_vision_attention(model, "attention-pool", {}, {}, gen);
  REQUIRE(model.pooling() != nullptr);
  CHECK(model.block_attention()[0] == nullptr);
  CHECK(has_parameter(model, "pooling.attention.context"));
  for (const auto& [name, p] : model.named_parameters())
    if (name == "hidden.weight") CHECK(p.shape() == Shape{16, 8});  // was (16, 8 * 2 * 2) for the flatten
  CHECK(model(zeros({3, 1, kSide, kSide})).shape() == Shape{3, kClasses});
  const auto pool = std::dynamic_pointer_cast<VisionAttention>(model.pooling());
  CHECK(pool->last_spatial_map().shape() == Shape{3, 2, 2});

  REQUIRE_THROWS_WITH(model.attach_pooling(pool, 8, gen), Catch::Contains("already pools with AttentionPool2d"));
}

TEST_CASE("add_vision_attention refuses unknown names and blocks, saying which exist", "[vision][errors]") {
  Generator gen(24);
  CnnClassifier model(tiny_cnn(), gen);
  REQUIRE_THROWS_WITH(add_vision_attention(model, "telepathy", {}, {}, gen),
                      Catch::Contains("'telepathy'") && Catch::Contains("none, se, channel"));
  REQUIRE_THROWS_WITH(add_vision_attention(model, "se", {2}, {}, gen),
                      Catch::Contains("no block 2") && Catch::Contains("the model has 2 blocks, numbered 0 to 1"));
  REQUIRE_THROWS_WITH(add_vision_attention(model, "se", {-1}, {}, gen), Catch::Contains("no block -1"));
  REQUIRE_THROWS_WITH(add_vision_attention(model, "se", {0, 0}, {}, gen), Catch::Contains("already has an attention"));
  REQUIRE_THROWS_WITH(add_vision_attention(model, "attention-pool", {1}, {}, gen),
                      Catch::Contains("pools the last feature map") && Catch::Contains("--attention-blocks"));
  REQUIRE_THROWS_WITH(add_vision_attention(model, "spatial", {1}, {.spatial_kernel = 2}, gen),
                      Catch::Contains("spatial_kernel = 2"));
}
