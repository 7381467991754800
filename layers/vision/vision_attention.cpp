#include "layers/vision/vision_attention.h"

#include <algorithm>
#include <utility>

namespace heed {

void check_vision_attention_config(const std::string& who, const VisionAttentionConfig& c) {
  HEED_CHECK(c.channels > 0, who, ": channels = ", c.channels, "; expected the positive channel count C of the "
             "feature maps it will see");
  HEED_CHECK(c.size >= 0, who, ": size = ", c.size, "; expected the side of the feature maps, or 0 for any size");
  HEED_CHECK(c.reduction >= 1, who, ": reduction = ", c.reduction, "; expected r >= 1 (the bottleneck is "
             "max(1, C / r) channels)");
  HEED_CHECK(c.spatial_kernel >= 1 && c.spatial_kernel % 2 == 1, who, ": spatial_kernel = ", c.spatial_kernel,
             "; expected an odd size such as 3 or 7, so padding k / 2 keeps the map's size");
  HEED_CHECK(c.eca_gamma > 0, who, ": eca_gamma = ", c.eca_gamma, "; expected gamma > 0");
}

std::int64_t reduced_channels(std::int64_t channels, std::int64_t reduction) {
  return std::max<std::int64_t>(1, channels / reduction);
}

std::shared_ptr<Conv2d> pointwise_conv(std::int64_t in, std::int64_t out, Generator& gen, DType dtype) {
  return std::make_shared<Conv2d>(in, out, 1, /*stride=*/1, /*padding=*/0, /*dilation=*/1, /*groups=*/1,
                                  /*bias=*/true, gen, dtype);
}

Tensor scale_channels(const Tensor& x, const Tensor& weights) {
  return x * reshape(weights, {x.size(0), x.size(1), 1, 1});
}

Tensor scale_pixels(const Tensor& x, const Tensor& map) { return x * unsqueeze(map, 1); }

VisionAttention::VisionAttention(std::string type_name, const VisionAttentionConfig& cfg)
    : Module(std::move(type_name)), config(cfg) {
  check_vision_attention_config(this->type_name(), config);
}

void VisionAttention::check_input(const Tensor& x) const {
  const std::string side = config.size > 0 ? std::to_string(config.size) : "H";
  const std::string expected = "(B, " + std::to_string(config.channels) + ", " + side + ", " +
                               (config.size > 0 ? side : "W") + ")";
  HEED_CHECK(x.dim() == 4, type_name(), ": expected a feature map ", expected, ", got ", x.dim(), " dims ",
             shape_str(x.shape()), "; add the batch dim with unsqueeze(x, 0) for one image");
  HEED_CHECK(x.size(1) == config.channels, type_name(), ": expected a feature map ", expected, ", got ",
             shape_str(x.shape()), "; build the module with channels = ", x.size(1), " for these maps");
  HEED_CHECK(config.size == 0 || (x.size(2) == config.size && x.size(3) == config.size), type_name(),
             ": expected a feature map ", expected, ", got ", shape_str(x.shape()),
             "; build the module with the size of these maps, or size = 0 for any");
}

void VisionAttention::keep_channel_weights(const Tensor& weights) { channel_weights_ = weights.detach(); }

void VisionAttention::keep_spatial_map(const Tensor& map) { spatial_map_ = map.detach(); }

}  // namespace heed
