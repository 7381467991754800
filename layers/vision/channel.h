// Channel attention (V2), CBAM's channel module: squeeze-excitation that also looks at the
// strongest response of each channel, not only its average.
//
//   a = mean over (H, W) of x,   m = max over (H, W) of x          two descriptors  (B, C) each
//   w = sigmoid(MLP(a) + MLP(m))                                   one shared MLP   (B, C)
//   y = x * w                                                      (B, C, H, W)
//
//   MLP(s) = W2 relu(W1 s + b1) + b2,  W1 (C', C), W2 (C, C'),  C' = max(1, C / r)   (se.h)
//
// Max pooling keeps the trace of a small distinctive object that averaging would dilute; the
// paper finds both descriptors together better than either alone.
// Woo, Park, Lee & Kweon 2018, "CBAM: Convolutional Block Attention Module", ECCV (section 3.1).
#pragma once

#include <memory>

#include "layers/vision/se.h"
#include "tensor/random.h"

namespace heed {

class ChannelAttention : public VisionAttention {
 public:
  explicit ChannelAttention(const VisionAttentionConfig& config, Generator& gen = default_generator());
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C, H, W)

  std::shared_ptr<ChannelMlp> mlp;  // shared by both descriptors
};

}  // namespace heed
