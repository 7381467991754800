#include "experiments/lib/attention_flags.h"

namespace heed::experiments {

void add_attention_knob_options(cxxopts::Options& options, const std::string& group, TransformerAttentionConfig& k) {
  auto value = [](std::int64_t& field) { return cxxopts::value(field)->default_value(std::to_string(field)); };
  // clang-format off
  options.add_options(group)
    ("window", "local, longformer: keys within i-w .. i+w", value(k.window))
    ("block", "strided, fixed: stride / block size (0: ceil(sqrt(max length)))", value(k.block))
    ("summary", "fixed: summary columns per block", value(k.summary))
    ("global-tokens", "longformer: global positions at the start", value(k.global_tokens))
    ("features", "performer: random features (0: 2 * head size)", value(k.features))
    ("redraw-every", "performer: redraw features every N training calls (0: never)", value(k.redraw_every))
    ("projected-len", "linformer: length K and V are projected to", value(k.projected_len))
    ("landmarks", "nystrom: landmarks", value(k.landmarks))
    ("buckets", "lsh: hash buckets (even)", value(k.buckets))
    ("chunk", "lsh: chunk length", value(k.chunk))
    ("tile", "flash: query and key tile size", value(k.tile));
  // clang-format on
}

Json attention_knobs_to_json(const TransformerAttentionConfig& k) {
  return {{"window", k.window}, {"block", k.block}, {"summary", k.summary}, {"global_tokens", k.global_tokens},
          {"features", k.features}, {"redraw_every", k.redraw_every}, {"projected_len", k.projected_len},
          {"landmarks", k.landmarks}, {"buckets", k.buckets}, {"chunk", k.chunk}, {"tile", k.tile}};
}

void attention_knobs_from_json(const Json& j, TransformerAttentionConfig& k) {
  k.window = j.value("window", k.window);
  k.block = j.value("block", k.block);
  k.summary = j.value("summary", k.summary);
  k.global_tokens = j.value("global_tokens", k.global_tokens);
  k.features = j.value("features", k.features);
  k.redraw_every = j.value("redraw_every", k.redraw_every);
  k.projected_len = j.value("projected_len", k.projected_len);
  k.landmarks = j.value("landmarks", k.landmarks);
  k.buckets = j.value("buckets", k.buckets);
  k.chunk = j.value("chunk", k.chunk);
  k.tile = j.value("tile", k.tile);
}

}  // namespace heed::experiments
