// attention_html (report_html.h): what each variant looked at, from the
// samples.json of its first finished run (the lowest seed), so every variant
// is shown on the same test sentences.
//
//   translate samples: {"source", "target", "prediction", "source_tokens", "output_tokens",
//                       "attention": (output x source) weights, row-major or nested,
//                       "attention_heads": [one such matrix per head] (optional),
//                       "attention_note": why there are no weights (optional)}
//   documents samples: {"label_name", "prediction_name",
//                       "sentences": [{"words", "word_weights", "weight", "key"}]}
//   classify samples:  {"label_name", "prediction_name", "image", "spatial_maps", "channel_weights",
//                       "attention_note"} (experiments/lib/image_samples.h)
#include <fstream>
#include <sstream>

#include "experiments/lib/report_html.h"
#include "experiments/lib/svg_charts.h"

namespace heed::experiments {

namespace fs = std::filesystem;
using svg::escape;

namespace {

constexpr std::size_t kSamplesShown = 2;  // sentences and documents
constexpr std::size_t kImagesShown = 3;

// A weight matrix saved flat (row-major) or as nested rows, as one flat vector.
std::vector<double> flat_weights(const Json& matrix) {
  std::vector<double> out;
  for (const Json& item : matrix) {
    if (item.is_array()) {
      for (const Json& w : item) out.push_back(w.is_number() ? w.get<double>() : kMissing);
    } else {
      out.push_back(item.is_number() ? item.get<double>() : kMissing);
    }
  }
  return out;
}

std::vector<std::string> strings(const Json& sample, const char* key) {
  std::vector<std::string> out;
  if (sample.contains(key))
    for (const Json& s : sample[key]) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  return out;
}

Json read_samples(const RunRecord& run) {
  std::ifstream in(run.dir / "samples.json");
  if (!in) return Json();
  const Json samples = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  return samples.is_array() ? samples : Json();
}

std::string translation_sample(const Json& sample, std::size_t number) {
  const auto source = strings(sample, "source_tokens");
  const auto output = strings(sample, "output_tokens");
  const std::string prediction = sample.value("prediction", "");
  const std::string target = sample.value("target", "");
  std::ostringstream out;
  out << "<figure>\n<figcaption>sentence " << number << ": <code>" << escape(sample.value("source", ""))
      << "</code> \u2192 <code>" << escape(prediction) << "</code> " << (prediction == target ? "(correct)" : "(wrong)")
      << "; target <code>" << escape(target) << "</code></figcaption>\n";
  svg::Heatmap map;
  map.rows = output;
  map.columns = source;
  map.row_axis = "output tokens";
  map.column_axis = "source tokens";
  const std::size_t cells = source.size() * output.size();
  const bool has_matrix = sample.contains("attention") && cells > 0;
  if (has_matrix && (map.weights = flat_weights(sample["attention"])).size() == cells) {
    map.title = sample.contains("attention_heads") ? "mean over heads" : "attention weights";
    out << svg::heatmap(map);
  } else if (has_matrix) {
    out << "<p class=\"note\">the saved weights do not match the tokens (" << map.weights.size() << " for "
        << output.size() << " x " << source.size() << ")</p>\n";
  } else {
    out << "<p class=\"note\">" << escape(sample.value("attention_note", "this variant forms no attention matrix"))
        << "</p>\n";
  }
  if (sample.contains("attention_heads") && sample["attention_heads"].is_array()) {
    out << "<div class=\"heads\">\n";
    std::size_t head = 0;
    for (const Json& weights : sample["attention_heads"]) {
      svg::Heatmap small = map;
      small.weights = flat_weights(weights);
      small.title = "head " + std::to_string(head++);
      small.cell = 7;
      small.labels = false;
      small.row_axis = small.column_axis = "";
      if (small.weights.size() == cells) out << svg::heatmap(small);
    }
    out << "</div>\n";
  }
  out << "</figure>\n";
  return out.str();
}

std::string text_colour(double weight) { return weight > 0.55 ? "#fff" : "#000"; }

std::string document_sample(const Json& sample, std::size_t number) {
  std::ostringstream out;
  out << "<div class=\"doc\"><b>document " << number << "</b>: label " << escape(sample.value("label_name", "?"))
      << ", predicted " << escape(sample.value("prediction_name", "?"))
      << " (left: sentence weight; words shaded by word weight within their sentence; \u2605 key sentence)\n";
  if (sample.contains("sentences"))
    for (const Json& sentence : sample["sentences"]) {
      const double weight = sentence.value("weight", 0.0);
      out << "<div class=\"sentence\"><span class=\"sw\" style=\"background:" << svg::weight_colour(weight)
          << ";color:" << text_colour(weight) << "\">" << (sentence.value("key", false) ? "\u2605 " : "")
          << format_number(weight, 2) << "</span>";
      const auto words = strings(sentence, "words");
      const std::vector<double> weights = sentence.contains("word_weights") ? flat_weights(sentence["word_weights"])
                                                                            : std::vector<double>{};
      for (std::size_t i = 0; i < words.size(); ++i) {
        const double w = i < weights.size() ? weights[i] : 0.0;
        out << "<span class=\"word\" title=\"" << format_number(w, 3) << "\" style=\"background:"
            << svg::weight_colour(w) << ";color:" << text_colour(w) << "\">" << escape(words[i]) << "</span>";
      }
      out << "</div>\n";
    }
  out << "</div>\n";
  return out.str();
}

// An image from classify's samples.json: each spatial map over the input image, then each
// layer's channel weights as a strip of cells (channel 0 at the left).
std::string image_sample(const Json& sample, std::size_t number) {
  const std::string label = sample.value("label_name", "?"), prediction = sample.value("prediction_name", "?");
  std::ostringstream out;
  out << "<figure>\n<figcaption>test image " << number << ": " << escape(label) << ", predicted "
      << escape(prediction) << (label == prediction ? " (correct)" : " (wrong)");
  if (sample.contains("caption")) out << "; caption <i>" << escape(sample.value("caption", "")) << "</i>";
  out << "</figcaption>\n<div class=\"heads\">\n";
  svg::ImageOverlay overlay;
  if (sample.contains("image")) {
    const Json& image = sample["image"];
    overlay.height = image.value("height", std::size_t{0});
    overlay.width = image.value("width", std::size_t{0});
    if (image.contains("pixels")) overlay.pixels = flat_weights(image["pixels"]);
  }
  const bool has_image = overlay.height > 0 && overlay.pixels.size() == overlay.height * overlay.width;
  if (has_image) {
    overlay.image_png = svg::grayscale_png_base64(overlay.height, overlay.width, overlay.pixels);  // once per image
    overlay.title = "input";
    out << svg::image_overlay(overlay);
  }
  std::size_t shown = 0;
  if (sample.contains("spatial_maps"))
    for (const Json& map : sample["spatial_maps"]) {
      svg::ImageOverlay o = overlay;
      o.title = map.value("title", "spatial map");
      o.map_height = map.value("height", std::size_t{0});
      o.map_width = map.value("width", std::size_t{0});
      if (map.contains("weights")) o.map = flat_weights(map["weights"]);
      if (!has_image || o.map.size() != o.map_height * o.map_width || o.map.empty()) continue;
      out << svg::image_overlay(o);
      ++shown;
    }
  out << "</div>\n";
  if (sample.contains("channel_weights"))
    for (const Json& channels : sample["channel_weights"]) {
      svg::Heatmap strip;
      strip.weights = channels.contains("weights") ? flat_weights(channels["weights"]) : std::vector<double>{};
      if (strip.weights.empty()) continue;
      strip.title = channels.value("title", "channel weights") + " (" + std::to_string(strip.weights.size()) + ")";
      strip.rows = {"gate"};
      for (std::size_t c = 0; c < strip.weights.size(); ++c) strip.columns.push_back(std::to_string(c));
      strip.column_axis = "channel";
      strip.cell = 6;
      strip.labels = false;
      out << svg::heatmap(strip, strip.weights.size());
      ++shown;
    }
  if (shown == 0 || sample.contains("attention_note"))
    out << "<p class=\"note\">" << escape(sample.value("attention_note", "this model keeps no attention map"))
        << "</p>\n";
  out << "</figure>\n";
  return out.str();
}

}  // namespace

std::string attention_html(const SweepResults& results, const ResultGroup& group, bool alone) {
  const bool images = results.driver == "classify";
  const std::string h = alone ? "h2" : "h3", h_variant = alone ? "h3" : "h4";
  std::ostringstream out;
  out << "<section>\n<" << h << ">Attention on the first test "
      << (results.driver == "documents" ? "documents" : images ? "images" : "sentences")
      << (group.length > 0 ? " (length " + std::to_string(group.length) + ")" : "") << "</" << h << ">\n";
  for (const std::string& label : sweep_labels(results)) {
    const auto v = std::find_if(group.variants.begin(), group.variants.end(),
                                [&](const VariantStats& s) { return s.label == label; });
    if (v == group.variants.end()) continue;
    const RunRecord* run = nullptr;
    for (const RunRecord* r : v->records)
      if (r->ok && !run) run = r;
    out << "<" << h_variant << ">" << escape(label) << "</" << h_variant << ">\n";
    if (!run) {
      out << "<p class=\"note\">no run of this variant finished</p>\n";
      continue;
    }
    const Json samples = read_samples(*run);
    if (samples.empty()) {
      out << "<p class=\"note\">run " << escape(run->name) << " saved no samples (samples.json)</p>\n";
      continue;
    }
    out << "<p>run <code>" << escape(run->name) << "</code></p>\n<div class=\"maps\">\n";
    for (std::size_t i = 0; i < samples.size() && i < (images ? kImagesShown : kSamplesShown); ++i)
      out << (images                          ? image_sample(samples[i], i + 1)
              : results.driver == "documents" ? document_sample(samples[i], i + 1)
                                              : translation_sample(samples[i], i + 1));
    out << "</div>\n";
  }
  out << "</section>\n";
  return out.str();
}

}  // namespace heed::experiments
