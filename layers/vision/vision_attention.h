// VisionAttention: the interface of the attention modules that plug into an image model
// (CATALOG.md, part V). Each one reweights a feature map by what it attends to:
//
//   forward      x (B, C, H, W) -> y (B, C, H, W)       y = x * gate, the gate in (0, 1)
//                                                        (non-local: y = x + what every pixel gathers)
//   pooling      x (B, C, H, W) -> y (B, C)             pools() is true: the module replaces
//                                                        flatten / global average pooling
//
// Which gate a module learns, and the map it keeps from its last forward pass for pictures
// (a detached copy: it holds no graph; an undefined Tensor where the module has none):
//
//   module           what is gated                   last_channel_weights   last_spatial_map
//   se, channel, eca which channels matter            (B, C)                 -
//   spatial          where, one weight per pixel      -                      (B, H, W)
//   cbam             both, one after the other        (B, C)                 (B, H, W)
//   coord            rows and columns, per channel    -                      (B, H, W) channel mean
//   non-local        each pixel from all pixels       -                      (B, H, W) attention received
//   attention-pool   which positions make the vector  -                      (B, H, W) pooling weights
//
// The channel MLPs of se, channel and cbam, and coord's shared transform, squeeze C channels
// into reduced_channels(C, r) = max(1, C / r): r = 16 in the papers, where C is 256 and more;
// heed's CNN blocks have 32 and 64 channels, so its default is r = 8.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/conv2d.h"
#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

struct VisionAttentionConfig {
  std::int64_t channels = 0;        // C of the feature map the module sees
  std::int64_t size = 0;            // its side H = W; 0 accepts any H and W
  std::int64_t reduction = 8;       // r of the channel MLPs: C -> max(1, C / r) -> C
  std::int64_t spatial_kernel = 7;  // k of the spatial gate's k x k convolution; odd
  double eca_gamma = 2;             // eca: k = odd(|log2(C) + b| / gamma)
  double eca_b = 1;
  DType dtype = DType::Float32;
};

// Throws, naming `who`, when a size or knob of the config is invalid.
void check_vision_attention_config(const std::string& who, const VisionAttentionConfig& config);

// max(1, C / r): the width of a channel bottleneck.
std::int64_t reduced_channels(std::int64_t channels, std::int64_t reduction);

// A 1x1 convolution with a bias, in -> out channels: a Linear applied at every pixel.
std::shared_ptr<Conv2d> pointwise_conv(std::int64_t in, std::int64_t out, Generator& gen, DType dtype);

// x (B, C, H, W) * weights (B, C): every pixel of channel c scaled by weights[:, c].
Tensor scale_channels(const Tensor& x, const Tensor& weights);
// x (B, C, H, W) * map (B, H, W): every channel of pixel (h, w) scaled by map[:, h, w].
Tensor scale_pixels(const Tensor& x, const Tensor& map);

class VisionAttention : public Module {
 public:
  VisionAttention(std::string type_name, const VisionAttentionConfig& config);

  // True when forward maps (B, C, H, W) to (B, C) instead of keeping the shape.
  virtual bool pools() const { return false; }

  // The maps of the last forward pass (see the table above); undefined where the module has none.
  Tensor last_channel_weights() const { return channel_weights_; }  // (B, C)
  Tensor last_spatial_map() const { return spatial_map_; }          // (B, H, W)

  const VisionAttentionConfig config;

 protected:
  // Refuses anything but (B, config.channels, H, W), and other sides than config.size when set.
  void check_input(const Tensor& x) const;
  void keep_channel_weights(const Tensor& weights);  // (B, C)
  void keep_spatial_map(const Tensor& map);          // (B, H, W)

 private:
  Tensor channel_weights_, spatial_map_;
};

}  // namespace heed
