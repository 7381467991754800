// What classify saves of an image model's attention (experiments/lib/image_samples.h): the
// input image, a spatial map and channel weights per CNN attention block, the ViT's class-token
// attention per head, a note where there is nothing to show, and the report's pictures of them.
#include <algorithm>
#include <memory>
#include <numeric>

#include <zlib.h>

#include "experiments/lib/image_samples.h"
#include "experiments/lib/svg_charts.h"
#include "experiments/report_checks.h"
#include "helpers.h"
#include "layers/models/cnn_classifier.h"
#include "layers/models/multimodal_classifier.h"
#include "layers/models/vit.h"

using namespace heed;
using namespace heed::experiments;
using test::count_of;

namespace {

data::ImageDataset random_images(std::int64_t n, std::int64_t side) {
  Generator gen(3);
  data::ImageDataset d;
  d.images = uniform({n, 1, side, side}, -1.0, 2.0, gen);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  std::iota(labels.begin(), labels.end(), 0);
  d.labels = from_vector(labels, {n});
  for (std::int64_t i = 0; i < 10; ++i) d.class_names.push_back("class " + std::to_string(i));
  return d;
}

std::vector<double> numbers(const Json& array) { return array.get<std::vector<double>>(); }

std::vector<std::uint8_t> base64_decode(const std::string& text) {
  const std::string digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<std::uint32_t>(digits.find(c));
    if ((count += 6) >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> count));
    }
  }
  return out;
}

// The filtered rows of a PNG (a filter byte, then the row's bytes), after checking the CRC-32 of
// every chunk; the IDAT data is inflated with zlib.
std::vector<std::uint8_t> png_rows(const std::vector<std::uint8_t>& png, std::size_t raw_size) {
  const auto be32 = [&](std::size_t at) {
    return (std::uint32_t{png.at(at)} << 24) | (std::uint32_t{png.at(at + 1)} << 16) |
           (std::uint32_t{png.at(at + 2)} << 8) | std::uint32_t{png.at(at + 3)};
  };
  std::vector<std::uint8_t> idat;
  for (std::size_t at = 8; at < png.size();) {
    const std::uint32_t length = be32(at);
    const std::string type(png.begin() + static_cast<std::ptrdiff_t>(at + 4), png.begin() + static_cast<std::ptrdiff_t>(at + 8));
    INFO("chunk " << type);
    REQUIRE(::crc32(0L, png.data() + at + 4, length + 4) == be32(at + 8 + length));
    if (type == "IDAT") idat.insert(idat.end(), png.begin() + static_cast<std::ptrdiff_t>(at + 8),
                                    png.begin() + static_cast<std::ptrdiff_t>(at + 8 + length));
    at += 12 + length;
  }
  std::vector<std::uint8_t> raw(raw_size + 1);  // one byte more: a longer stream would show
  uLongf size = raw.size();
  REQUIRE(uncompress(raw.data(), &size, idat.data(), idat.size()) == Z_OK);
  raw.resize(size);
  return raw;
}

std::shared_ptr<CnnClassifier> small_cnn(const std::string& attention, Generator& gen) {
  CnnConfig config;
  config.image_size = 16;
  config.channels = {8, 16};
  config.hidden = 0;
  auto cnn = std::make_shared<CnnClassifier>(config, gen);
  VisionAttentionConfig knobs;
  knobs.reduction = 4;
  knobs.spatial_kernel = 3;
  add_vision_attention(*cnn, attention, {}, knobs, gen);
  return cnn;
}

}  // namespace

TEST_CASE("image samples: a CNN with cbam saves each block's spatial map and channel weights", "[experiments]") {
  Generator gen(1);
  const auto cnn = small_cnn("cbam", gen);
  const data::ImageDataset images = random_images(5, 16);
  const Json samples = image_samples(*cnn, images, "cbam", 3);
  REQUIRE(samples.size() == 3);
  REQUIRE(cnn->is_training());  // left as it was found
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Json& s = samples[i];
    REQUIRE(s["label_name"] == "class " + std::to_string(i));
    REQUIRE(s["prediction_name"].get<std::string>().starts_with("class "));
    const auto pixels = numbers(s["image"]["pixels"]);
    REQUIRE(pixels.size() == 16 * 16);
    REQUIRE(*std::min_element(pixels.begin(), pixels.end()) == 0.0);  // stretched to 0..1
    REQUIRE(*std::max_element(pixels.begin(), pixels.end()) == 1.0);
    // Two blocks: the first sees 16 x 16 and 8 channels, the second 8 x 8 and 16 channels.
    REQUIRE(s["spatial_maps"].size() == 2);
    REQUIRE(s["spatial_maps"][0]["title"] == "block 0, cbam: spatial map");
    REQUIRE(s["spatial_maps"][0]["height"] == 16);
    REQUIRE(numbers(s["spatial_maps"][0]["weights"]).size() == 16 * 16);
    REQUIRE(s["spatial_maps"][1]["width"] == 8);
    REQUIRE(numbers(s["spatial_maps"][1]["weights"]).size() == 8 * 8);
    REQUIRE(s["channel_weights"].size() == 2);
    const auto gates = numbers(s["channel_weights"][1]["weights"]);
    REQUIRE(gates.size() == 16);
    for (double g : gates) REQUIRE((g > 0 && g < 1));  // sigmoid gates
    REQUIRE_FALSE(s.contains("attention_note"));
  }
  // Each image's own maps, not the first image's copied.
  REQUIRE(samples[0]["spatial_maps"][0]["weights"] != samples[1]["spatial_maps"][0]["weights"]);
}

TEST_CASE("image samples: attention-pool saves its pooling weights; no attention saves a note", "[experiments]") {
  Generator gen(2);
  const data::ImageDataset images = random_images(2, 16);
  const auto pooled = small_cnn("attention-pool", gen);
  const Json with_pool = image_samples(*pooled, images, "attention-pool");
  REQUIRE(with_pool.size() == 2);  // fewer images than asked for
  const Json& map = with_pool[0]["spatial_maps"][0];
  REQUIRE(map["title"] == "attention-pool: pooling weights");
  const auto weights = numbers(map["weights"]);
  REQUIRE(weights.size() == 4 * 4);  // after the second block's pooling
  REQUIRE(std::accumulate(weights.begin(), weights.end(), 0.0) == Approx(1.0).margin(1e-3));  // a softmax

  const auto plain = small_cnn("none", gen);
  const Json none = image_samples(*plain, images, "none");
  REQUIRE(none[0]["spatial_maps"].empty());
  REQUIRE(none[0]["attention_note"].get<std::string>().find("no attention module") != std::string::npos);
}

TEST_CASE("image samples: a ViT's class token attention per head, and a note for linear", "[experiments][vit]") {
  Generator gen(4);
  VitConfig config;
  config.image_size = 16;
  config.patch = 4;  // a 4 x 4 grid
  config.model_dim = 16;
  config.heads = 2;
  config.layers = 2;
  config.ff_dim = 16;
  VisionTransformer vit(config, gen);
  const data::ImageDataset images = random_images(2, 16);
  const Json samples = image_samples(vit, images, "mha");
  const Json& maps = samples[1]["spatial_maps"];
  REQUIRE(maps.size() == 3);  // the mean, then each head
  REQUIRE(maps[0]["title"] == "last layer, class token to each patch, mean of 2 heads");
  REQUIRE(maps[2]["title"] == "head 1");
  for (const Json& m : maps) {
    REQUIRE(m["height"] == 4);
    const auto w = numbers(m["weights"]);
    REQUIRE(w.size() == 16);
    // The class token also attends to itself, so the patches get a little less than 1 in all.
    const double total = std::accumulate(w.begin(), w.end(), 0.0);
    REQUIRE((total > 0.5 && total < 1.0 + 1e-3));
  }

  config.pool = "mean";
  VisionTransformer mean_pool(config, gen);
  const Json received = image_samples(mean_pool, images, "mha");
  REQUIRE(received[0]["spatial_maps"][0]["title"].get<std::string>().find("each patch receives") != std::string::npos);
  const auto w = numbers(received[0]["spatial_maps"][0]["weights"]);
  REQUIRE(std::accumulate(w.begin(), w.end(), 0.0) == Approx(1.0).margin(1e-3));  // column means of a stochastic matrix

  config.pool = "cls";
  config.attention = "linear";
  VisionTransformer linear(config, gen);
  const Json note = image_samples(linear, images, "linear");
  REQUIRE(note[0]["spatial_maps"].empty());
  REQUIRE_FALSE(note[0]["attention_note"].get<std::string>().empty());
}

TEST_CASE("captioned samples: the GMU's gate, cross-attention's map per caption word, a note for concat",
          "[experiments]") {
  data::ImageDataset images = random_images(3, 16);
  const data::CaptionedDataset captioned = data::caption_images(images, {.wrong_rate = 0.5, .seed = 1});
  MultimodalConfig config;
  config.image_size = 16;
  config.channels = {8, 8};  // a 4 x 4 feature grid
  config.image_hidden = 16;
  config.vocab_size = captioned.vocab.size();
  config.embed_dim = 8;
  config.fused_dim = 8;
  config.heads = 2;
  Generator gen(5);
  MultimodalClassifier gmu(config, gen);
  const Json gated = captioned_samples(gmu, captioned, 2);
  REQUIRE(gated.size() == 2);
  REQUIRE(gated[0]["caption"].get<std::string>().find(' ') != std::string::npos);  // words, no padding ids
  REQUIRE(numbers(gated[0]["channel_weights"][0]["weights"]).size() == 8);  // one gate per fused unit
  REQUIRE(gated[0]["attention_note"].get<std::string>().starts_with("mean gate 0."));
  REQUIRE(numbers(gated[0]["image"]["pixels"]).size() == 16 * 16);

  config.fusion = "cross-attention";
  MultimodalClassifier cross(config, gen);
  const Json attended = captioned_samples(cross, captioned, 1);
  const std::string caption = attended[0]["caption"];
  const auto words = static_cast<std::size_t>(std::count(caption.begin(), caption.end(), ' ') + 1);
  const Json& maps = attended[0]["spatial_maps"];
  REQUIRE(maps.size() == words);  // one map per caption word
  REQUIRE(maps[0]["height"] == 4);
  const auto w = numbers(maps[0]["weights"]);
  REQUIRE(std::accumulate(w.begin(), w.end(), 0.0) == Approx(1.0).margin(1e-3));  // over the 16 cells

  config.fusion = "concat";
  MultimodalClassifier concat(config, gen);
  REQUIRE(captioned_samples(concat, captioned, 1)[0]["attention_note"].get<std::string>().find("concat") == 0);
}

TEST_CASE("an image with its attention map is one small SVG with the image as a PNG", "[experiments]") {
  const std::vector<std::uint8_t> png = base64_decode(svg::grayscale_png_base64(2, 3, {0, 0.5, 1, 1, 0.5, 0}));
  const std::vector<std::uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  REQUIRE(std::equal(signature.begin(), signature.end(), png.begin()));
  // Every PNG ends with the empty IEND chunk, whose CRC-32 is the constant AE 42 60 82.
  const std::vector<std::uint8_t> iend = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  REQUIRE(std::equal(iend.begin(), iend.end(), png.end() - 12));
  // IHDR: width 3, height 2, grayscale; IDAT: 2 rows of (filter byte + 3 pixels).
  REQUIRE(png[19] == 3);
  REQUIRE(png[23] == 2);
  REQUIRE(png[25] == 0);
  REQUIRE(png_rows(png, 8) == std::vector<std::uint8_t>{0, 0, 128, 255, 0, 255, 128, 0});

  svg::ImageOverlay overlay;
  overlay.title = "block 0: spatial map";
  overlay.height = overlay.width = 4;
  overlay.pixels.assign(16, 0.5);
  overlay.map_height = overlay.map_width = 2;
  overlay.map = {0.1, 0.2, 0.3, 0.9};
  const std::string svg_text = svg::image_overlay(overlay);
  REQUIRE(count_of(svg_text, "<image") == 2);  // the image, the map over it
  REQUIRE(count_of(svg_text, "<rect") == 1);   // the frame
  REQUIRE(svg_text.find("0.1 (clear) .. 0.9 (orange)") != std::string::npos);
  // The map's PNG: RGBA, 2 x 2, alpha 0 at the lowest weight and 0.8 * 255 = 204 at the highest.
  const std::vector<std::uint8_t> map = base64_decode(svg::overlay_png_base64(2, 2, overlay.map));
  REQUIRE(map[25] == 6);  // colour type RGBA
  REQUIRE(png_rows(map, 18) == std::vector<std::uint8_t>{0, 0xE6, 0x55, 0x0D, 0, 0xE6, 0x55, 0x0D, 26,
                                                         0, 0xE6, 0x55, 0x0D, 51, 0xE6, 0x55, 0x0D, 204});
}
