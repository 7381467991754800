#include "layers/fusion/registry.h"

#include "layers/fusion/concat.h"
#include "layers/fusion/cross_attention.h"
#include "layers/fusion/gmu.h"
#include "layers/named_registry.h"

namespace heed {

namespace {

using Registry = NamedRegistry<Fusion, const FusionConfig&, Generator&>;

template <typename Variant>
FusionFactory factory_of() {
  return [](const FusionConfig& config, Generator& gen) -> std::shared_ptr<Fusion> {
    return std::make_shared<Variant>(config, gen);
  };
}

// The built-in fusions (CATALOG.md, part O): one line each.
std::vector<Registry::Entry> builtin_fusions() {
  return {
      {"gmu", "gated multimodal unit: z * tanh(W1 x1) + (1 - z) * tanh(W2 x2), z = sigmoid(Wz [x1; x2]), "
              "Arevalo 2017 (O2)",
       factory_of<GatedMultimodalUnit>()},
      {"cross-attention", "caption tokens attend over image positions (--fusion-attention), pooled over tokens (O3)",
       factory_of<CrossAttentionFusion>()},
      {"concat", "the baseline: tanh(W [x1; x2] + b)", factory_of<ConcatFusion>()},
  };
}

Registry& registry() {
  static Registry r("fusion", builtin_fusions());
  return r;
}

}  // namespace

void register_fusion(const std::string& name, const std::string& description, FusionFactory factory) {
  registry().add(name, description, std::move(factory));
}

std::shared_ptr<Fusion> make_fusion(const std::string& name, const FusionConfig& config, Generator& gen) {
  return registry().make(name, config, gen);
}

std::vector<std::string> fusion_names() { return registry().names(); }

std::string fusion_description(const std::string& name) { return registry().description(name); }

void check_fusion_name(const std::string& name) { registry().check_known(name); }

}  // namespace heed
