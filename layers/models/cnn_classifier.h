// CnnClassifier: a small convolutional image classifier, the baseline the
// vision attention layers (CATALOG.md, part V) are plugged into.
//
//   images (B, in_channels, S, S)
//   for each block b (channels[b] filters):
//     Conv(kernel x kernel, padding kernel/2) -> BatchNorm -> ReLU -> [attention_b] -> MaxPool(2)
//                                                          (B, channels[b], S_b, S_b), S_b = S_{b-1} / 2
//   Flatten                                                 (B, channels.back() * S_last^2)
//     or a pooling module (attach_pooling)                  (B, features), e.g. attention-pool: (B, channels.back())
//   Linear(hidden) -> ReLU -> Dropout                       (B, hidden)       (skipped when hidden = 0)
//   Linear(num_classes)                                     (B, num_classes)  logits
//
// The defaults (blocks of 32 and 64 channels, 128 hidden units) reach about 91%
// on Fashion-MNIST within a few epochs on two CPU cores. The design is the
// classic LeNet/VGG pattern: each block doubles the channels while pooling
// halves the image, so every block costs about the same.
// LeCun et al. 1998, "Gradient-based learning applied to document recognition";
// Simonyan & Zisserman 2015, "Very Deep Convolutional Networks" (VGG).
//
// The attention slot: block_attention() holds one Module per block, empty
// (identity) by default. attach_attention(b, m) plugs a module that maps
// (B, channels[b], S, S) to the same shape (SE, CBAM, ...) after block b's ReLU,
// registering its parameters as blocks.<b>.attention.*. attach_pooling(m, features)
// puts m in place of the flatten and rebuilds the head for its `features`
// outputs. add_vision_attention() does either from a name of the vision registry
// (layers/vision/registry.h). Attach before building the optimizer, so it sees
// the parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/linear.h"
#include "layers/module.h"
#include "layers/pooling.h"
#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

struct CnnConfig {
  std::int64_t in_channels = 1;
  std::int64_t image_size = 28;                  // S: images are S x S
  std::vector<std::int64_t> channels = {32, 64};  // one conv block per entry
  std::int64_t kernel = 3;                       // odd, padded to keep the size: kernel / 2
  std::int64_t num_classes = 10;
  bool batch_norm = true;
  double dropout = 0.0;      // after the hidden layer
  std::int64_t hidden = 128;  // 0: the flattened features feed the classifier directly
};

// One block: conv -> batch norm -> ReLU -> attention (if attached) -> 2x2 max pool.
class CnnBlock : public Module {
 public:
  CnnBlock(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, bool batch_norm, Generator& gen,
           DType dtype);
  Tensor forward(const Tensor& input) override;  // (B, in, S, S) -> (B, out, S/2, S/2)
  void attach_attention(std::shared_ptr<Module> module);

  std::shared_ptr<Conv2d> conv;
  std::shared_ptr<BatchNorm2d> norm;     // null without batch norm
  std::shared_ptr<Module> attention;     // null: identity
  std::shared_ptr<MaxPool2d> pool;
};

class CnnClassifier : public Module {
 public:
  explicit CnnClassifier(const CnnConfig& config, Generator& gen = default_generator(),
                         DType dtype = DType::Float32);

  Tensor forward(const Tensor& images) override;  // (B, C, S, S) -> logits (B, num_classes)

  // Plugs `module` in after block `block`'s ReLU; it must keep the shape (B, channels[block], S, S).
  void attach_attention(std::size_t block, std::shared_ptr<Module> module);
  const std::vector<std::shared_ptr<Module>>& block_attention() const { return block_attention_; }
  std::size_t num_blocks() const { return blocks_.size(); }
  // The feature map size (side) and channels a block's attention sees.
  std::int64_t block_size(std::size_t block) const;
  std::int64_t block_channels(std::size_t block) const { return config.channels.at(block); }
  // The side of the last block's output, which the flatten (or the pooling) sees.
  std::int64_t final_size() const { return block_size(blocks_.size() - 1) / 2; }

  // Puts `module` in place of the flatten: it maps (B, channels.back(), final_size(), final_size())
  // to (B, features), and the head (hidden and classifier Linears) is rebuilt for `features` inputs.
  void attach_pooling(std::shared_ptr<Module> module, std::int64_t features, Generator& gen = default_generator());
  const std::shared_ptr<Module>& pooling() const { return pooling_; }  // null: flatten

  DType dtype() const { return dtype_; }

  CnnConfig config;

 private:
  void build_head(std::int64_t features, Generator& gen, bool rebuild);

  DType dtype_;
  std::vector<std::shared_ptr<CnnBlock>> blocks_;
  std::vector<std::shared_ptr<Module>> block_attention_;  // one per block; null = identity
  std::shared_ptr<Module> pooling_;                       // null: flatten
  std::shared_ptr<Linear> hidden_;                        // null when config.hidden == 0
  std::shared_ptr<Dropout> dropout_;                      // null when config.dropout == 0
  std::shared_ptr<Linear> classifier_;
};

// Plugs the vision attention `name` (layers/vision/registry.h) into the model, configured by
// `knobs` (their channels, size and dtype are set here for each place): after the ReLU of every
// block in `blocks` (empty: every block), or, for a module that pools (attention-pool), in place
// of the flatten, where `blocks` must be empty. An unknown name, a block out of range or a
// repeated block is an error that says which.
void add_vision_attention(CnnClassifier& model, const std::string& name, const std::vector<std::int64_t>& blocks,
                          const VisionAttentionConfig& knobs = {}, Generator& gen = default_generator());

}  // namespace heed
