#include "experiments/lib/image_samples.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "autograd/grad_mode.h"
#include "layers/models/cnn_classifier.h"
#include "layers/models/vit.h"
#include "tensor/ops.h"

namespace heed::experiments {
namespace {

// Four decimals are more than a picture shows, and keep samples.json small.
std::vector<double> rounded_values(const Tensor& t) {
  std::vector<double> values = t.contiguous().to_vector<double>();
  for (double& v : values) v = std::round(v * 1e4) / 1e4;
  return values;
}

// The first channel of a (C, H, W) input image, stretched to 0..1 (the model saw it normalized).
Json image_json(const Tensor& image) {
  const Tensor plane = image.select(0, 0);
  std::vector<double> pixels = plane.contiguous().to_vector<double>();
  const auto [lo, hi] = std::minmax_element(pixels.begin(), pixels.end());
  const double low = *lo, range = *hi - *lo;
  for (double& p : pixels) p = range > 0 ? std::round((p - low) / range * 1e3) / 1e3 : 0.0;
  return {{"height", plane.size(0)}, {"width", plane.size(1)}, {"pixels", pixels}};
}

Json spatial_map(const std::string& title, const Tensor& map, std::int64_t height, std::int64_t width) {
  return {{"title", title}, {"height", height}, {"width", width}, {"weights", rounded_values(map)}};
}

// A CNN's vision attention module: the maps it kept of image b in its last forward pass.
void add_module_maps(const VisionAttention& module, const std::string& where, std::int64_t b, Json& sample) {
  if (const Tensor map = module.last_spatial_map(); map.defined())
    sample["spatial_maps"].push_back(
        spatial_map(where + ": " + (module.pools() ? "pooling weights" : "spatial map"), map.select(0, b),
                    map.size(1), map.size(2)));
  if (const Tensor weights = module.last_channel_weights(); weights.defined())
    sample["channel_weights"].push_back({{"title", where + ": channel weights"},
                                         {"weights", rounded_values(weights.select(0, b))}});
}

Tensor cnn_forward(CnnClassifier& cnn, const Tensor& images, const std::string& attention, Json& samples) {
  const Tensor logits = cnn.forward(images);
  for (std::int64_t b = 0; b < images.size(0); ++b) {
    Json& sample = samples[static_cast<std::size_t>(b)];
    for (std::size_t k = 0; k < cnn.block_attention().size(); ++k)
      if (const auto* module = dynamic_cast<const VisionAttention*>(cnn.block_attention()[k].get()))
        add_module_maps(*module, "block " + std::to_string(k) + ", " + attention, b, sample);
    if (const auto* pooling = dynamic_cast<const VisionAttention*>(cnn.pooling().get()))
      add_module_maps(*pooling, attention, b, sample);
    if (sample["spatial_maps"].empty() && sample["channel_weights"].empty())
      sample["attention_note"] = "this CNN has no attention module: every pixel and channel counts the same";
  }
  return logits;
}

Tensor vit_forward(VisionTransformer& vit, const Tensor& images, const std::string& attention, Json& samples) {
  const VitOutput out = vit.forward(images, /*keep_weights=*/true);
  const PatchGrid grid = vit.token_grid(images);
  for (std::int64_t b = 0; b < images.size(0); ++b) {
    Json& sample = samples[static_cast<std::size_t>(b)];
    if (!out.attention.defined()) {
      const std::string why = vit.layers.back()->self_attn->weights_note();
      sample["attention_note"] = why.empty() ? "'" + attention + "' keeps no attention weights" : why;
      continue;
    }
    // (H, T, T) -> (H, N): what the class token took from each patch, or, without a class token,
    // the attention each patch received, averaged over the queries.
    const Tensor weights = out.attention.select(0, b);
    const Tensor received = grid.leading > 0 ? weights.select(1, 0) : ops::mean(weights, {1});
    const Tensor per_head = ops::narrow(received, 1, grid.leading, grid.patches());
    const std::string from = grid.leading > 0 ? "class token to each patch" : "attention each patch receives";
    const std::int64_t heads = per_head.size(0);
    sample["spatial_maps"].push_back(spatial_map("last layer, " + from + ", mean of " + std::to_string(heads) +
                                                     " heads",
                                                 ops::mean(per_head, {0}), grid.rows, grid.cols));
    for (std::int64_t h = 0; h < heads; ++h)
      sample["spatial_maps"].push_back(
          spatial_map("head " + std::to_string(h), per_head.select(0, h), grid.rows, grid.cols));
  }
  return out.logits;
}

}  // namespace

Json image_samples(Module& model, const data::ImageDataset& images, const std::string& attention,
                   std::int64_t count) {
  const std::int64_t n = std::min(count, images.size());
  if (n <= 0) return Json::array();
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Tensor batch = ops::narrow(images.images, 0, 0, n);
  Json samples = Json::array();
  for (std::int64_t b = 0; b < n; ++b)
    samples.push_back({{"image", image_json(batch.select(0, b))},
                       {"spatial_maps", Json::array()},
                       {"channel_weights", Json::array()}});
  Tensor logits;
  if (auto* cnn = dynamic_cast<CnnClassifier*>(&model)) {
    logits = cnn_forward(*cnn, batch, attention, samples);
  } else if (auto* vit = dynamic_cast<VisionTransformer*>(&model)) {
    logits = vit_forward(*vit, batch, attention, samples);
  } else {
    HEED_CHECK(false, "image_samples: the model is a ", model.type_name(),
               "; only the CNN and the Vision Transformer keep attention maps");
  }
  model.train(was_training);
  const auto predicted = ops::argmax(logits, -1).to_vector<std::int64_t>();
  const auto labels = ops::narrow(images.labels, 0, 0, n).to_vector<std::int64_t>();
  const auto name = [&](std::int64_t label) {
    return label >= 0 && label < images.num_classes() ? images.class_names[static_cast<std::size_t>(label)]
                                                      : std::to_string(label);
  };
  for (std::int64_t b = 0; b < n; ++b) {
    Json& sample = samples[static_cast<std::size_t>(b)];
    sample["label_name"] = name(labels[static_cast<std::size_t>(b)]);
    sample["prediction_name"] = name(predicted[static_cast<std::size_t>(b)]);
  }
  return samples;
}

Json captioned_samples(MultimodalClassifier& model, const data::CaptionedDataset& data, std::int64_t count) {
  const std::int64_t n = std::min(count, data.size());
  if (n <= 0) return Json::array();
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Tensor images = ops::narrow(data.images.images, 0, 0, n);
  const Tensor captions = ops::narrow(data.captions, 0, 0, n);
  const MultimodalOutput out = model.forward(images, captions);
  model.train(was_training);
  const auto predicted = ops::argmax(out.logits, -1).to_vector<std::int64_t>();
  const auto labels = ops::narrow(data.images.labels, 0, 0, n).to_vector<std::int64_t>();
  const auto ids = captions.to_vector<std::int64_t>();
  const std::int64_t length = captions.size(1);
  const auto name = [&](std::int64_t label) { return data.images.class_names.at(static_cast<std::size_t>(label)); };
  Json samples = Json::array();
  for (std::int64_t b = 0; b < n; ++b) {
    std::vector<std::string> words;
    std::vector<std::int64_t> positions;  // where each word sits in the padded caption
    for (std::int64_t t = 0; t < length; ++t) {
      const std::int64_t id = ids[static_cast<std::size_t>(b * length + t)];
      if (id == 0) continue;  // <pad>
      words.push_back(data.vocab.decode({id}, /*stop_at_eos=*/false).at(0));
      positions.push_back(t);
    }
    std::string caption;
    for (const auto& w : words) caption += (caption.empty() ? "" : " ") + w;
    Json sample = {{"label_name", name(labels[static_cast<std::size_t>(b)])},
                   {"prediction_name", name(predicted[static_cast<std::size_t>(b)])},
                   {"caption", caption},
                   {"image", image_json(images.select(0, b))},
                   {"spatial_maps", Json::array()},
                   {"channel_weights", Json::array()}};
    if (out.gate.defined()) {
      const Tensor z = out.gate.select(0, b);
      sample["channel_weights"].push_back({{"title", "gmu gate z per fused unit (1 = image, 0 = caption)"},
                                           {"weights", rounded_values(z)}});
      char mean[64];
      std::snprintf(mean, sizeof mean, "mean gate %.3f", ops::mean(z).item());
      sample["attention_note"] = std::string(mean) + ": the share of the fused vector taken from the image";
    } else if (out.weights.defined()) {
      // (H, L, P) -> for each word, the mean over heads over the P cells of the feature grid.
      const Tensor per_word = ops::mean(out.weights.select(0, b), {0});
      const std::int64_t cells = per_word.size(1);
      auto side = static_cast<std::int64_t>(std::lround(std::sqrt(static_cast<double>(cells))));
      const bool square = side * side == cells;
      for (std::size_t w = 0; w < words.size(); ++w)
        sample["spatial_maps"].push_back(spatial_map("\"" + words[w] + "\" attends to", per_word.select(0, positions[w]),
                                                     square ? side : 1, square ? side : cells));
    } else {
      sample["attention_note"] = "concat fusion has no attention: image and caption features are joined as they are";
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

}  // namespace heed::experiments
