#include "layers/fusion/gmu.h"

namespace heed {

GatedMultimodalUnit::GatedMultimodalUnit(const FusionConfig& config, Generator& gen) : Fusion("GatedMultimodalUnit") {
  HEED_CHECK(config.image_dim > 0 && config.text_dim > 0 && config.fused_dim > 0, "GatedMultimodalUnit: image_dim ",
             config.image_dim, ", text_dim ", config.text_dim, ", fused_dim ", config.fused_dim,
             "; expected positive sizes");
  const std::int64_t d = config.fused_dim;
  image_proj = register_module("image_proj", std::make_shared<Linear>(config.image_dim, d, false, gen, config.dtype));
  text_proj = register_module("text_proj", std::make_shared<Linear>(config.text_dim, d, false, gen, config.dtype));
  gate = register_module("gate",
                         std::make_shared<Linear>(config.image_dim + config.text_dim, d, false, gen, config.dtype));
}

FusionOutput GatedMultimodalUnit::fuse(const FusionInputs& inputs) {
  check_fusion_vectors("GatedMultimodalUnit", inputs, image_proj->in_features, text_proj->in_features);
  const Tensor h1 = tanh(image_proj->forward(inputs.image));                       // (B, D)
  const Tensor h2 = tanh(text_proj->forward(inputs.text));                         // (B, D)
  const Tensor z = sigmoid(gate->forward(concat({inputs.image, inputs.text}, 1)));  // (B, D)
  return {z * h1 + (1.0 - z) * h2, z, Tensor()};
}

}  // namespace heed
