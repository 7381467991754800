#include "layers/models/cnn_classifier.h"

#include <string>
#include <utility>

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

CnnClassifier::CnnClassifier(const CnnConfig& cfg, Generator& gen, DType dtype) : Module("CnnClassifier"), config(cfg) {
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

  const std::int64_t side = block_size(blocks_.size() - 1) / 2;
  std::int64_t features = channels * side * side;
  if (config.hidden > 0) {
    hidden_ = register_module("hidden", std::make_shared<Linear>(features, config.hidden, true, gen, dtype));
    features = config.hidden;
  }
  if (config.dropout > 0) dropout_ = register_module("dropout", std::make_shared<Dropout>(config.dropout, gen));
  classifier_ = register_module("classifier", std::make_shared<Linear>(features, config.num_classes, true, gen, dtype));
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

Tensor CnnClassifier::forward(const Tensor& images) {
  HEED_CHECK(images.dim() == 4 && images.size(1) == config.in_channels && images.size(2) == config.image_size &&
                 images.size(3) == config.image_size,
             "CnnClassifier: expected images (B,", config.in_channels, ",", config.image_size, ",",
             config.image_size, "), got ", shape_str(images.shape()));
  Tensor x = images;
  for (const auto& block : blocks_) x = block->forward(x);  // (B, channels[b], S_b, S_b)
  x = flatten(x, 1);                                         // (B, features)
  if (hidden_) x = relu(hidden_->forward(x));                // (B, hidden)
  if (dropout_) x = dropout_->forward(x);
  return classifier_->forward(x);  // (B, num_classes)
}

}  // namespace heed
