#include "layers/fusion/concat.h"

namespace heed {

ConcatFusion::ConcatFusion(const FusionConfig& config, Generator& gen)
    : Fusion("ConcatFusion"), image_dim(config.image_dim), text_dim(config.text_dim) {
  HEED_CHECK(image_dim > 0 && text_dim > 0 && config.fused_dim > 0, "ConcatFusion: image_dim ", image_dim,
             ", text_dim ", text_dim, ", fused_dim ", config.fused_dim, "; expected positive sizes");
  proj = register_module("proj", std::make_shared<Linear>(image_dim + text_dim, config.fused_dim, true, gen,
                                                          config.dtype));
}

FusionOutput ConcatFusion::fuse(const FusionInputs& inputs) {
  check_fusion_vectors("ConcatFusion", inputs, image_dim, text_dim);
  return {tanh(proj->forward(concat({inputs.image, inputs.text}, 1))), Tensor(), Tensor()};  // (B, D)
}

}  // namespace heed
