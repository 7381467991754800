// Attention pooling over a feature map (V8), "smart pooling": a learned query scores every
// position of the map, and the map is averaged with those weights into one vector. It replaces
// flatten (or global average pooling) before a classifier's head.
//
//   h = x as a sequence of its N = H W positions     (B, N, C)
//   u_n = tanh(W h_n + b)                            (B, N, A)   A = C
//   a = softmax_n(u_n . u_w)                         (B, N)      u_w (A): the learned query
//   y = sum_n a_n h_n                                (B, C)
//
// The pooling itself is layers/attention/attention_pooling.h, the word and sentence attention of
// the hierarchical attention network, applied here to pixels instead of words. Global average
// pooling is the case a_n = 1 / N; flatten keeps every position but ties the head to the map's
// size. last_spatial_map() holds a as (B, H, W): where the classifier looked.
// Yang, Yang, Dyer, He, Smola & Hovy 2016, "Hierarchical Attention Networks for Document
// Classification", NAACL (equations 5-7); Lin, Chen & Yan 2013, "Network in Network" (global
// average pooling, the baseline it generalises).
#pragma once

#include <memory>

#include "layers/attention/attention_pooling.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

class AttentionPool2d : public VisionAttention {
 public:
  explicit AttentionPool2d(const VisionAttentionConfig& config, Generator& gen = default_generator());
  bool pools() const override { return true; }
  Tensor forward(const Tensor& x) override;  // (B, C, H, W) -> (B, C)

  std::shared_ptr<AttentionPooling> attention;
};

}  // namespace heed
