// GatedMultimodalUnit (GMU): each modality through its own tanh layer, then a learned gate mixes
// the two, dimension by dimension (CATALOG.md, O2).
//
//   h1 = tanh(W1 x1)              x1 (B, Di) the image vector      W1 (D, Di)  image_proj.weight
//   h2 = tanh(W2 x2)              x2 (B, Dt) the text vector       W2 (D, Dt)  text_proj.weight
//   z  = sigmoid(Wz [x1; x2])     (B, D)                           Wz (D, Di + Dt)  gate.weight
//   h  = z * h1 + (1 - z) * h2    (B, D)
//
// The gate sees both inputs, so it can learn when to trust which side: z near 1 takes the image,
// near 0 the text, and it may differ per example and per dimension. The mean of z, returned
// beside h, is the unit's own account of which modality it used; on captioned images whose
// captions sometimes lie (data/captioned_images.h) it should lean to the image when they do.
// The projections have no bias, as in the paper's equations.
//
// Arevalo, Solorio, Montes-y-Gomez & Gonzalez 2017, "Gated Multimodal Units for Information
// Fusion", ICLR workshop (section 3, equations 1-4).
#pragma once

#include <cstdint>
#include <memory>

#include "layers/fusion/fusion.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class GatedMultimodalUnit : public Fusion {
 public:
  GatedMultimodalUnit(const FusionConfig& config, Generator& gen = default_generator());

  FusionOutput fuse(const FusionInputs& inputs) override;  // fused h and gate z
  std::int64_t output_dim() const override { return image_proj->out_features; }

  std::shared_ptr<Linear> image_proj;  // W1 (D, Di)
  std::shared_ptr<Linear> text_proj;   // W2 (D, Dt)
  std::shared_ptr<Linear> gate;        // Wz (D, Di + Dt)
};

}  // namespace heed
