// The knobs of the Transformer attention variants (window, block, features,
// ...) as command-line flags and config.json keys: one list, shared by the
// drivers that build those variants (translate --model transformer and
// classify --model vit), so a knob has the same name and default everywhere.
//
//   add_attention_knob_options(options, "Transformer model (--model transformer)", config.knobs);
//   Json saved = {...}; saved.update(attention_knobs_to_json(config.knobs));
//   attention_knobs_from_json(saved, config.knobs);
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

// The same knobs as config.json keys (window, block, ...), and back; keys
// missing from json leave the knob as it is, so older config files still read.
Json attention_knobs_to_json(const TransformerAttentionConfig& knobs);
void attention_knobs_from_json(const Json& json, TransformerAttentionConfig& knobs);

}  // namespace heed::experiments
