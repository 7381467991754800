#include "layers/models/multimodal_classifier.h"

#include "layers/attention/attention_pooling.h"
#include "layers/fusion/registry.h"
#include "tensor/ops.h"

namespace heed {

MultimodalClassifier::MultimodalClassifier(const MultimodalConfig& cfg, Generator& gen)
    : Module("MultimodalClassifier"), config(cfg) {
  HEED_CHECK(!config.channels.empty() && config.in_channels > 0 && config.image_hidden >= 0,
             "MultimodalClassifier: channels has ", config.channels.size(), " blocks, in_channels ",
             config.in_channels, ", image_hidden ", config.image_hidden,
             "; expected at least one block, positive sizes (image_hidden may be 0)");
  const std::int64_t side = config.image_size >> config.channels.size();  // each block halves it
  HEED_CHECK(side >= 1, "MultimodalClassifier: image_size ", config.image_size, " is too small for ",
             config.channels.size(), " blocks that each halve it");
  HEED_CHECK(config.vocab_size > 1 && config.num_classes > 0, "MultimodalClassifier: vocab_size ", config.vocab_size,
             ", num_classes ", config.num_classes, "; expected a vocabulary beyond the padding id and classes > 0");

  auto stack = register_module("blocks", std::make_shared<Sequential>());
  std::int64_t channels = config.in_channels;
  for (const std::int64_t out : config.channels) {
    HEED_CHECK(out > 0, "MultimodalClassifier: block channels must be positive, got ", out);
    blocks.push_back(std::make_shared<CnnBlock>(channels, out, config.kernel, config.batch_norm, gen, config.dtype));
    stack->push_back(blocks.back());
    channels = out;
  }
  std::int64_t image_dim = channels * side * side;
  if (config.image_hidden > 0) {
    image_hidden = register_module(
        "image_hidden", std::make_shared<Linear>(image_dim, config.image_hidden, true, gen, config.dtype));
    image_dim = config.image_hidden;
  }
  embedding = register_module("embedding", std::make_shared<Embedding>(config.vocab_size, config.embed_dim,
                                                                       /*padding_idx=*/0, gen, config.dtype));
  FusionConfig fusion_config;
  fusion_config.image_dim = image_dim;
  fusion_config.image_channels = channels;
  fusion_config.text_dim = config.embed_dim;
  fusion_config.fused_dim = config.fused_dim;
  fusion_config.heads = config.heads;
  fusion_config.attention = config.attention;
  fusion_config.dtype = config.dtype;
  fusion = register_module("fusion", make_fusion(config.fusion, fusion_config, gen));
  classifier = register_module(
      "classifier", std::make_shared<Linear>(fusion->output_dim(), config.num_classes, true, gen, config.dtype));
}

MultimodalOutput MultimodalClassifier::forward(const Tensor& images, const Tensor& captions) {
  HEED_CHECK(images.dim() == 4 && images.size(1) == config.in_channels && images.size(2) == config.image_size &&
                 images.size(3) == config.image_size,
             "MultimodalClassifier: expected images (B,", config.in_channels, ",", config.image_size, ",",
             config.image_size, "), got ", shape_str(images.shape()));
  HEED_CHECK(captions.dim() == 2 && captions.size(0) == images.size(0) && captions.dtype() == DType::Int64,
             "MultimodalClassifier: captions ", shape_str(captions.shape()), " ", dtype_name(captions.dtype()),
             "; expected int64 (", images.size(0), ", L), one caption per image");

  Tensor map = images;
  for (const auto& block : blocks) map = block->forward(map);  // (B, C, s, s)
  const std::int64_t batch = map.size(0), channels = map.size(1);
  FusionInputs in;
  in.image_positions = transpose(reshape(map, {batch, channels, -1}), 1, 2);  // (B, P, C)
  in.image = flatten(map, 1);                                                 // (B, C s^2)
  if (image_hidden) in.image = relu(image_hidden->forward(in.image));         // (B, image_hidden)

  in.text_tokens = embedding->forward(captions);                                          // (B, L, E)
  in.text_mask = ops::ne(captions, zeros_like(captions));                                 // (B, L) 1 real, 0 pad
  in.text = masked_mean_pooling(in.text_tokens, in.text_mask).output;                     // (B, E)

  const FusionOutput fused = fusion->fuse(in);
  return {classifier->forward(fused.fused), fused.gate, fused.weights};
}

}  // namespace heed
