// The knobs of the Transformer attention variants (window, block, features,
// ...) as command-line flags and config.json keys: one list, shared by the
// drivers that build those variants (translate --model transformer and
// classify --model vit), so a knob has the same name and default everywhere.
//
//   add_attention_knob_options(options, "Transformer model (--model transformer)", config.knobs);
//   attention_knob_fields(config.knobs, visit);   // in a config's field list (run.h: fields_to_json)
//
// The sizes (model_dim, heads, kv_heads, max_len) are not knobs: each model
// sets them from its own flags.
#pragma once

#include <string>

#include <cxxopts.hpp>

#include "experiments/lib/run.h"
#include "layers/attention/transformer_attention.h"

namespace heed::experiments {

// --window, --block, --summary, --global-tokens, --features, --redraw-every,
// --projected-len, --landmarks, --buckets, --chunk, --tile, into `group`,
// writing into knobs (whose current values are the defaults shown).
void add_attention_knob_options(cxxopts::Options& options, const std::string& group, TransformerAttentionConfig& knobs);

// The same knobs as config.json keys (window, block, ...): visit("window", knobs.window), ...
template <typename Knobs, typename Visit>
void attention_knob_fields(Knobs& k, Visit&& visit) {
  visit("window", k.window); visit("block", k.block); visit("summary", k.summary);
  visit("global_tokens", k.global_tokens); visit("features", k.features); visit("redraw_every", k.redraw_every);
  visit("projected_len", k.projected_len); visit("landmarks", k.landmarks); visit("buckets", k.buckets);
  visit("chunk", k.chunk); visit("tile", k.tile);
}

}  // namespace heed::experiments
