// MultimodalClassifier: classifies an image together with its caption, fusing the two with a
// registered fusion (layers/fusion/registry.h: gmu, cross-attention, concat).
//
//   images (B, C, S, S) float
//   for each block b: Conv -> BatchNorm -> ReLU -> MaxPool(2)   (CnnBlock, cnn_classifier.h)
//                                                   feature map (B, C_last, s, s), s = S >> blocks
//     positions: one row per place                  (B, P, C_last), P = s^2
//     vector: Flatten -> Linear -> ReLU             (B, image_hidden)   (just Flatten when 0)
//   captions (B, L) int64, 0 = <pad> after each caption's end
//     Embedding                                     tokens (B, L, E)
//     mean over the real tokens                     vector (B, E)
//   fusion(image vector, positions, text vector, tokens, mask)   (B, D)
//   Linear                                          logits (B, num_classes)
//
// The image side is the CNN of layers/models/cnn_classifier.h up to its classifier, the text side
// the simplest encoder that keeps every word (a bag of embeddings: the captions are short and their
// word order says nothing). The fusion is the only part that differs between runs, so comparing
// runs compares fusions. Alongside the logits come what the fusion weighed: the GMU's gate z
// (B, D) and cross-attention's weights (B, H, L, P).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "layers/embedding.h"
#include "layers/fusion/fusion.h"
#include "layers/linear.h"
#include "layers/models/cnn_classifier.h"
#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

struct MultimodalConfig {
  // image encoder
  std::int64_t in_channels = 1;
  std::int64_t image_size = 28;                   // S: images are S x S
  std::vector<std::int64_t> channels = {32, 64};  // one conv block per entry
  std::int64_t kernel = 3;
  bool batch_norm = true;
  std::int64_t image_hidden = 128;                // the image vector's size (0: the flattened map)
  // text encoder
  std::int64_t vocab_size = 0;                    // id 0 is padding
  std::int64_t embed_dim = 32;                    // E
  // fusion and head
  std::string fusion = "gmu";
  std::int64_t fused_dim = 64;                    // D
  std::int64_t heads = 4;                         // cross-attention
  std::string attention = "mha";                  // cross-attention
  std::int64_t num_classes = 10;
  DType dtype = DType::Float32;
};

struct MultimodalOutput {
  Tensor logits;   // (B, num_classes)
  Tensor gate;     // gmu: (B, D), 1 = image; undefined otherwise
  Tensor weights;  // cross-attention: (B, H, L, P); undefined otherwise
};

class MultimodalClassifier : public Module {
 public:
  MultimodalClassifier(const MultimodalConfig& config, Generator& gen = default_generator());

  // images (B, C, S, S); captions (B, L) int64 with 0 = padding, at least one real token each.
  MultimodalOutput forward(const Tensor& images, const Tensor& captions);

  MultimodalConfig config;
  std::vector<std::shared_ptr<CnnBlock>> blocks;
  std::shared_ptr<Linear> image_hidden;  // null when config.image_hidden == 0
  std::shared_ptr<Embedding> embedding;  // (V, E), padding_idx 0
  std::shared_ptr<Fusion> fusion;
  std::shared_ptr<Linear> classifier;    // D -> num_classes
};

}  // namespace heed
