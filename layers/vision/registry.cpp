#include "layers/vision/registry.h"

#include "layers/named_registry.h"
#include "layers/vision/attention_pool.h"
#include "layers/vision/cbam.h"
#include "layers/vision/channel.h"
#include "layers/vision/coord.h"
#include "layers/vision/eca.h"
#include "layers/vision/non_local.h"
#include "layers/vision/none.h"
#include "layers/vision/se.h"
#include "layers/vision/spatial.h"

namespace heed {

namespace {

using Registry = NamedRegistry<VisionAttention, const VisionAttentionConfig&, Generator&>;

template <typename Attention>
VisionAttentionFactory factory_of() {
  return [](const VisionAttentionConfig& config, Generator& gen) -> std::shared_ptr<VisionAttention> {
    return std::make_shared<Attention>(config, gen);
  };
}

// The built-in modules (CATALOG.md, section V): one line each.
std::vector<Registry::Entry> builtin_modules() {
  return {
      {"none", "no attention: the plain CNN, the baseline", factory_of<NoVisionAttention>()},
      {"se", "squeeze-excitation: global average -> MLP -> sigmoid gate per channel, Hu 2018 (V1)",
       factory_of<SqueezeExcitation>()},
      {"channel", "CBAM's channel gate: one MLP on average and max pools, summed, Woo 2018 (V2)",
       factory_of<ChannelAttention>()},
      {"spatial", "CBAM's spatial gate: k x k conv over channel mean and max, a gate per pixel, Woo 2018 (V3)",
       factory_of<SpatialAttention>()},
      {"cbam", "channel gate then spatial gate, Woo 2018 (V4)", factory_of<Cbam>()},
      {"eca", "efficient channel attention: 1-D conv of k taps across pooled channels, Wang 2020 (V5)",
       factory_of<EfficientChannelAttention>()},
      {"non-local", "every pixel attends to all pixels (embedded Gaussian), residual, Wang 2018 (V6)",
       factory_of<NonLocalBlock>()},
      {"coord", "coordinate attention: gates along rows and along columns, Hou 2021 (V7)",
       factory_of<CoordinateAttention>()},
      {"attention-pool", "a learned query pools the last feature map, replacing flatten (V8)",
       factory_of<AttentionPool2d>()},
  };
}

Registry& registry() {
  static Registry r("vision attention", builtin_modules());
  return r;
}

}  // namespace

void register_vision_attention(const std::string& name, const std::string& description,
                               VisionAttentionFactory factory) {
  registry().add(name, description, std::move(factory));
}

std::shared_ptr<VisionAttention> make_vision_attention(const std::string& name, const VisionAttentionConfig& config,
                                                       Generator& gen) {
  return registry().make(name, config, gen);
}

std::vector<std::string> vision_attention_names() { return registry().names(); }

std::string vision_attention_description(const std::string& name) { return registry().description(name); }

void check_vision_attention_name(const std::string& name) { registry().check_known(name); }

bool vision_attention_pools(const std::string& name) {
  Generator own(0);
  return registry().make(name, {.channels = 1}, own)->pools();
}

}  // namespace heed
