// The vision attention modules (layers/vision/): a float64 gradient check of every registered
// module with respect to its input and parameters, the shapes of outputs and kept maps, what each
// gate must satisfy (values in (0, 1), weights that sum to 1, the same gate on every channel of a
// pixel), the non-local block starting as the identity, ECA's kernel rule, and the errors for
// wrong inputs and knobs.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/init.h"
#include "layers/vision/eca.h"
#include "layers/vision/non_local.h"
#include "layers/vision/registry.h"
#include "layers/vision/se.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::with_parameters;

namespace {

constexpr DType f64 = DType::Float64;
constexpr std::int64_t kBatch = 2, kChannels = 4, kHeight = 4, kWidth = 5;

VisionAttentionConfig tiny_config() {
  return {.channels = kChannels, .reduction = 2, .spatial_kernel = 3, .dtype = f64};
}

// The module with every parameter random: the non-local block's output convolution starts at
// zero, which would hide the gradients of everything before it.
std::shared_ptr<VisionAttention> random_module(const std::string& name, Generator& gen) {
  auto module = make_vision_attention(name, tiny_config(), gen);
  if (auto block = std::dynamic_pointer_cast<NonLocalBlock>(module)) {
    uniform_(block->out->weight, -0.5, 0.5, gen);
    uniform_(block->out->bias, -0.5, 0.5, gen);
  }
  return module;
}

// Which maps each module keeps: {channel weights, spatial map}.
const std::map<std::string, std::pair<bool, bool>> kMaps = {
    {"none", {false, false}},    {"se", {true, false}},        {"channel", {true, false}},
    {"spatial", {false, true}},  {"cbam", {true, true}},       {"eca", {true, false}},
    {"non-local", {false, true}}, {"coord", {false, true}},    {"attention-pool", {false, true}}};

void require_between_0_and_1(const Tensor& t) {
  for (double v : t.to_vector<double>()) {
    INFO("gate value " << v);
    REQUIRE((v > 0 && v < 1));
  }
}

}  // namespace

TEST_CASE("gradcheck: every vision attention module, input and parameters", "[vision][gradcheck]") {
  for (const std::string& name : vision_attention_names()) {
    INFO("vision attention " << name);
    Generator gen(7);
    const auto module = random_module(name, gen);
    const Tensor x = random_input({kBatch, kChannels, kHeight, kWidth}, 11);
    REQUIRE_GRADCHECK([&](const std::vector<Tensor>& in) { return module->forward(in[0]); },
                      with_parameters({x}, *module));
  }
}

TEST_CASE("vision attention modules keep the shape and the maps they promise", "[vision]") {
  REQUIRE(vision_attention_names() == std::vector<std::string>{"none", "se", "channel", "spatial", "cbam", "eca",
                                                               "non-local", "coord", "attention-pool"});
  for (const std::string& name : vision_attention_names()) {
    INFO("vision attention " << name);
    CHECK_FALSE(vision_attention_description(name).empty());
    Generator gen(3);
    const auto module = random_module(name, gen);
    CHECK(vision_attention_pools(name) == (name == "attention-pool"));
    const Tensor x = random_input({kBatch, kChannels, kHeight, kWidth}, 5);
    const Tensor y = module->forward(x);
    CHECK(y.shape() == (module->pools() ? Shape{kBatch, kChannels} : x.shape()));

    const auto [has_channel, has_spatial] = kMaps.at(name);
    REQUIRE(module->last_channel_weights().defined() == has_channel);
    REQUIRE(module->last_spatial_map().defined() == has_spatial);
    if (has_channel) {
      CHECK(module->last_channel_weights().shape() == Shape{kBatch, kChannels});
      CHECK_FALSE(module->last_channel_weights().requires_grad());  // kept for pictures, without the graph
      require_between_0_and_1(module->last_channel_weights());
    }
    if (has_spatial) CHECK(module->last_spatial_map().shape() == Shape{kBatch, kHeight, kWidth});
    if (name == "spatial" || name == "cbam" || name == "coord") require_between_0_and_1(module->last_spatial_map());
    if (name == "non-local" || name == "attention-pool")  // weights that sum to 1 over the pixels
      require_close(sum(module->last_spatial_map(), {1, 2}), {1.0, 1.0}, 1e-12);
  }
}

TEST_CASE("gates scale what they promise: channels alike at every pixel, pixels alike in every channel",
          "[vision]") {
  Generator gen(4);
  const Tensor x = random_input({kBatch, kChannels, kHeight, kWidth}, 9);
  for (const std::string name : {"se", "channel", "eca"}) {
    INFO(name);
    const auto module = random_module(name, gen);
    const Tensor y = module->forward(x);
    require_close(y, x * reshape(module->last_channel_weights(), {kBatch, kChannels, 1, 1}), 1e-12);
  }
  const auto spatial = random_module("spatial", gen);
  const Tensor y = spatial->forward(x);
  require_close(y, x * unsqueeze(spatial->last_spatial_map(), 1), 1e-12);

  // attention-pool: when every position holds the same vector, any weights give that vector back.
  const auto pool = random_module("attention-pool", gen);
  const Tensor vector = random_input({kBatch, kChannels, 1, 1}, 2);
  require_close(pool->forward(expand(vector, {kBatch, kChannels, kHeight, kWidth})), reshape(vector, {kBatch, kChannels}),
                1e-12);
}

TEST_CASE("the non-local block starts as the identity and keeps its (N, N) weights on request", "[vision]") {
  Generator gen(5);
  NonLocalBlock block(tiny_config(), gen);
  CHECK(block.inner_channels == kChannels / 2);
  const Tensor x = random_input({kBatch, kChannels, kHeight, kWidth}, 1);
  require_close(block.forward(x), x, 0);
  CHECK_FALSE(block.last_pixel_attention().defined());
  block.keep_pixel_attention = true;
  block.forward(x);
  const Tensor weights = block.last_pixel_attention();
  const std::int64_t pixels = kHeight * kWidth;
  REQUIRE(weights.shape() == Shape{kBatch, pixels, pixels});
  require_close(sum(weights, {2}), std::vector<double>(kBatch * pixels, 1.0), 1e-12);  // each pixel's row
  require_close(block.last_spatial_map(), reshape(mean(weights, {1}), {kBatch, kHeight, kWidth}), 1e-12);
}

TEST_CASE("ECA's kernel grows with log2 of the channels and is odd; the bottleneck is at least 1",
          "[vision]") {
  // k = odd(|log2 C + 1| / 2): (2+1)/2 -> 1, (5+1)/2 = 3, (6+1)/2 -> 3, (7+1)/2 = 4 -> 5, (9+1)/2 = 5.
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {{1, 1},  {4, 1},   {32, 3},  {64, 3},
                                                                       {128, 5}, {512, 5}, {8192, 7}};
  for (const auto& [channels, k] : expected) {
    INFO(channels << " channels");
    CHECK(eca_kernel_size(channels) == k);
  }
  CHECK(eca_kernel_size(8, /*gamma=*/1) == 5);
  EfficientChannelAttention eca({.channels = 32});
  CHECK(eca.conv->weight.shape() == Shape{1, 1, 1, 3});

  CHECK(reduced_channels(64, 8) == 8);
  CHECK(reduced_channels(4, 16) == 1);  // C / r < 1 still leaves one hidden unit
  SqueezeExcitation se({.channels = 4, .reduction = 16});
  CHECK(se.mlp->reduce->weight.shape() == Shape{1, 4});
}

TEST_CASE("vision attention refuses wrong inputs and knobs, saying what it expected", "[vision][errors]") {
  SqueezeExcitation se({.channels = 4});
  REQUIRE_THROWS_WITH(se.forward(zeros({4, 5, 5})), Catch::Contains("SqueezeExcitation: expected a feature map "
                                                                   "(B, 4, H, W), got 3 dims (4,5,5)"));
  REQUIRE_THROWS_WITH(se.forward(zeros({2, 3, 5, 5})),
                      Catch::Contains("(B, 4, H, W), got (2,3,5,5)") && Catch::Contains("channels = 3"));
  const auto sized = make_vision_attention("cbam", {.channels = 4, .size = 7});
  REQUIRE_THROWS_WITH(sized->forward(zeros({2, 4, 5, 5})),
                      Catch::Contains("Cbam: expected a feature map (B, 4, 7, 7), got (2,4,5,5)"));
  const auto pool = make_vision_attention("attention-pool", {.channels = 4});
  REQUIRE_THROWS_WITH(pool->forward(zeros({2, 4, 25})), Catch::Contains("AttentionPool2d: expected a feature map"));

  REQUIRE_THROWS_WITH(make_vision_attention("spatial", {.channels = 4, .spatial_kernel = 4}),
                      Catch::Contains("SpatialAttention: spatial_kernel = 4; expected an odd size"));
  REQUIRE_THROWS_WITH(make_vision_attention("se", {.channels = 0}), Catch::Contains("SqueezeExcitation: channels = 0"));
  REQUIRE_THROWS_WITH(make_vision_attention("coord", {.channels = 4, .reduction = 0}),
                      Catch::Contains("reduction = 0; expected r >= 1"));
  REQUIRE_THROWS_WITH(make_vision_attention("telepathy", {.channels = 4}),
                      Catch::Contains("no vision attention named 'telepathy'") &&
                          Catch::Contains("none, se, channel, spatial, cbam, eca, non-local, coord, attention-pool"));
}
