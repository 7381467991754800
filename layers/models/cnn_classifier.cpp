#include "layers/models/cnn_classifier.h"

#include <string>
#include <utility>

#include "layers/vision/registry.h"

namespace heed {

CnnBlock::CnnBlock(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, bool batch_norm,
                   Generator& gen, DType dtype)
    : Module("CnnBlock") {
  // A bias before batch norm would be subtracted right back out with the batch mean.
  conv = register_module("conv", std::make_shared<Conv2d>(in_channels, out_channels, kernel, /*stride=*/1,
                                                          /*padding=*/kernel / 2, /*dilation=*/1, /*groups=*/1,
                                                          /*bias=*/!batch_norm, gen, dtype));
  if (batch_norm) norm = register_module("norm", std::make_shared<BatchNorm2d>(out_channels, 1e-5, 0.1, true, dtype));
  pool = register_module("pool", std::make_shared<MaxPool2d>(2));
}

void CnnBlock::attach_attention(std::shared_ptr<Module> module) {
  HEED_CHECK(module != nullptr, "CnnBlock: attach_attention got a null module");
  HEED_CHECK(attention == nullptr, "CnnBlock: this block already has an attention module (", attention->type_name(),
             "); attach one per block");
  attention = register_module("attention", std::move(module));
}

Tensor CnnBlock::forward(const Tensor& input) {
  Tensor x = conv->forward(input);  // (B, out, S, S)
  if (norm) x = norm->forward(x);
  x = relu(x);
  if (attention) x = attention->forward(x);  // same shape
  return pool->forward(x);                   // (B, out, S/2, S/2)
}

CnnClassifier::CnnClassifier(const CnnConfig& cfg, Generator& gen, DType dtype)
    : Module("CnnClassifier"), config(cfg), dtype_(dtype) {
  HEED_CHECK(!config.channels.empty(), "CnnClassifier: channels is empty; expected one entry per conv block");
  HEED_CHECK(config.in_channels > 0 && config.num_classes > 0 && config.hidden >= 0,
             "CnnClassifier: in_channels = ", config.in_channels, ", num_classes = ", config.num_classes,
             ", hidden = ", config.hidden, "; expected positive sizes (hidden may be 0)");
  HEED_CHECK(config.kernel > 0 && config.kernel % 2 == 1, "CnnClassifier: kernel = ", config.kernel,
             "; expected an odd size, so padding kernel / 2 keeps the image size");
  HEED_CHECK(config.image_size >> config.channels.size() >= 1, "CnnClassifier: image_size ", config.image_size,
             " is too small for ", config.channels.size(), " blocks that each halve it");

  auto blocks = register_module("blocks", std::make_shared<Sequential>());
  std::int64_t channels = config.in_channels;
  for (const std::int64_t out : config.channels) {
    HEED_CHECK(out > 0, "CnnClassifier: block channels must be positive, got ", out);
    blocks_.push_back(std::make_shared<CnnBlock>(channels, out, config.kernel, config.batch_norm, gen, dtype));
    blocks->push_back(blocks_.back());
    channels = out;
  }
  block_attention_.resize(blocks_.size());

  if (config.dropout > 0) dropout_ = register_module("dropout", std::make_shared<Dropout>(config.dropout, gen));
  build_head(channels * final_size() * final_size(), gen, /*rebuild=*/false);
}

// The Linear layers after the flatten (or the pooling), for `features` inputs.
void CnnClassifier::build_head(std::int64_t features, Generator& gen, bool rebuild) {
  const auto place = [&](const std::string& name, std::shared_ptr<Linear> layer) {
    return rebuild ? replace_module(name, std::move(layer)) : register_module(name, std::move(layer));
  };
  if (config.hidden > 0) {
    hidden_ = place("hidden", std::make_shared<Linear>(features, config.hidden, true, gen, dtype_));
    features = config.hidden;
  }
  classifier_ = place("classifier", std::make_shared<Linear>(features, config.num_classes, true, gen, dtype_));
}

std::int64_t CnnClassifier::block_size(std::size_t block) const {
  HEED_CHECK(block < blocks_.size(), "CnnClassifier: block ", block, " does not exist; the model has ",
             blocks_.size(), " blocks");
  return config.image_size >> block;  // each earlier block's pooling halved it, rounding down
}

void CnnClassifier::attach_attention(std::size_t block, std::shared_ptr<Module> module) {
  HEED_CHECK(block < blocks_.size(), "CnnClassifier: attach_attention to block ", block, ", but the model has ",
             blocks_.size(), " blocks");
  blocks_[block]->attach_attention(module);
  block_attention_[block] = std::move(module);
}

void CnnClassifier::attach_pooling(std::shared_ptr<Module> module, std::int64_t features, Generator& gen) {
  HEED_CHECK(module != nullptr, "CnnClassifier: attach_pooling got a null module");
  HEED_CHECK(pooling_ == nullptr, "CnnClassifier: the model already pools with ", pooling_->type_name(),
             "; attach one pooling");
  HEED_CHECK(features > 0, "CnnClassifier: attach_pooling with ", features, " features; expected the positive "
             "size of the pooled vector");
  pooling_ = register_module("pooling", std::move(module));
  build_head(features, gen, /*rebuild=*/true);
}

Tensor CnnClassifier::forward(const Tensor& images) {
  HEED_CHECK(images.dim() == 4 && images.size(1) == config.in_channels && images.size(2) == config.image_size &&
                 images.size(3) == config.image_size,
             "CnnClassifier: expected images (B,", config.in_channels, ",", config.image_size, ",",
             config.image_size, "), got ", shape_str(images.shape()));
  Tensor x = images;
  for (const auto& block : blocks_) x = block->forward(x);  // (B, channels[b], S_b, S_b)
  x = pooling_ ? pooling_->forward(x) : flatten(x, 1);      // (B, features)
  if (hidden_) x = relu(hidden_->forward(x));                // (B, hidden)
  if (dropout_) x = dropout_->forward(x);
  return classifier_->forward(x);  // (B, num_classes)
}

void add_vision_attention(CnnClassifier& model, const std::string& name, const std::vector<std::int64_t>& blocks,
                          const VisionAttentionConfig& knobs, Generator& gen) {
  VisionAttentionConfig c = knobs;
  c.dtype = model.dtype();
  if (vision_attention_pools(name)) {
    HEED_CHECK(blocks.empty(), "CnnClassifier: the vision attention '", name, "' pools the last feature map in place "
               "of the flatten, so it takes no blocks; leave the blocks (--attention-blocks) empty");
    c.channels = model.config.channels.back();
    c.size = model.final_size();
    model.attach_pooling(make_vision_attention(name, c, gen), c.channels, gen);
    return;
  }
  std::vector<std::int64_t> chosen = blocks;
  if (chosen.empty())
    for (std::size_t b = 0; b < model.num_blocks(); ++b) chosen.push_back(static_cast<std::int64_t>(b));
  const auto count = static_cast<std::int64_t>(model.num_blocks());
  for (const std::int64_t block : chosen)
    HEED_CHECK(block >= 0 && block < count, "CnnClassifier: no block ", block, " for the vision attention '", name,
               "'; the model has ", count, " blocks, numbered 0 to ", count - 1);
  for (const std::int64_t block : chosen) {
    const auto b = static_cast<std::size_t>(block);
    c.channels = model.block_channels(b);
    c.size = model.block_size(b);
    model.attach_attention(b, make_vision_attention(name, c, gen));
  }
}

}  // namespace heed
