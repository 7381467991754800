// ConcatFusion: the baseline every fusion is measured against. Stack the two vectors and mix them
// with one layer.
//
//   h = tanh(W [x1; x2] + b)      x1 (B, Di) the image vector, x2 (B, Dt) the text vector
//                                 W (D, Di + Dt)  proj.weight    b (D)  proj.bias
//   h                             (B, D)
//
// The same two projections as the GMU's (W [x1; x2] = W1' x1 + W2' x2), summed inside one tanh
// where the GMU mixes two tanh layers with a gate: so a gap between the two measures what the
// gate buys. Early ("feature-level") fusion, the usual first try; see Arevalo et al. 2017,
// section 4, where it is the "concatenate" baseline of the GMU.
#pragma once

#include <cstdint>
#include <memory>

#include "layers/fusion/fusion.h"
#include "layers/linear.h"
#include "tensor/random.h"

namespace heed {

class ConcatFusion : public Fusion {
 public:
  ConcatFusion(const FusionConfig& config, Generator& gen = default_generator());

  FusionOutput fuse(const FusionInputs& inputs) override;
  std::int64_t output_dim() const override { return proj->out_features; }

  std::int64_t image_dim, text_dim;
  std::shared_ptr<Linear> proj;  // W (D, Di + Dt), b (D)
};

}  // namespace heed
