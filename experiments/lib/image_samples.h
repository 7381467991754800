// What an image model looked at, for the run's samples.json and the report's
// pictures: the first few test images, each with the maps its attention formed.
//
// One sample per image:
//   {"label_name", "prediction_name", "caption" (--task captioned only),
//    "image":          {"height", "width", "pixels": [H*W values in 0..1, row-major]},
//    "spatial_maps":   [{"title", "height", "width", "weights": [h*w, row-major]}],
//    "channel_weights":[{"title", "weights": [C]}],
//    "attention_note": why there is nothing to show (only when both lists are empty)}
//
// The image is the model's input scaled to 0..1 (its first channel); a spatial map covers the
// whole image, however coarse its own grid (a block's feature map, the ViT's patch grid).
//
//   CNN   every block's vision attention (layers/vision/vision_attention.h): its spatial map
//         (B, H, W) and channel weights (B, C), and the attention-pool's pooling weights;
//   ViT   the last encoder layer's attention from the class token to every patch (with
//         --pool mean: the attention each patch receives, averaged over queries), the mean over
//         heads first, then one map per head.
#pragma once

#include <cstdint>
#include <string>

#include "data/captioned_images.h"
#include "data/images.h"
#include "experiments/lib/run.h"
#include "layers/models/multimodal_classifier.h"
#include "layers/module.h"

namespace heed::experiments {

// The samples of the `count` first images of `images` (fewer if it has fewer), with the model in
// eval mode and no graph kept. The model must be a CnnClassifier or a VisionTransformer;
// `attention` is the name its attention was built from (classify --attention), for the titles.
Json image_samples(Module& model, const data::ImageDataset& images, const std::string& attention,
                   std::int64_t count = 4);

// --task captioned: the first test images with their captions ("caption": the words, padding
// dropped). gmu: its gate z over the fused units as "channel_weights" (1 = all image, 0 = all
// caption), with the mean in "attention_note"; cross-attention: for each caption word, the mean
// over heads of its attention over the CNN's feature grid, one spatial map per word; concat: a note.
Json captioned_samples(MultimodalClassifier& model, const data::CaptionedDataset& data, std::int64_t count = 4);

}  // namespace heed::experiments
