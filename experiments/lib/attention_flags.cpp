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

}  // namespace heed::experiments
