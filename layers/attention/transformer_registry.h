// The registry of Transformer attention variants (CATALOG.md, section T).
//
//   auto attn = make_transformer_attention("gqa", {.model_dim = 128, .heads = 8, .kv_heads = 2}, gen);
//
// A new variant is one file (see transformer_attention.h) plus one line in
// transformer_registry.cpp; programs may add their own at run time with
// register_transformer_attention(). transformer_attention_capabilities()
// builds a small instance to say where a variant can be used (for --list).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/attention/transformer_attention.h"

namespace heed {

using TransformerAttentionFactory =
    std::function<std::shared_ptr<TransformerAttention>(const TransformerAttentionConfig&, Generator&)>;

void register_transformer_attention(const std::string& name, const std::string& description,
                                    TransformerAttentionFactory factory);

// An unknown name is an error that lists the valid ones.
std::shared_ptr<TransformerAttention> make_transformer_attention(const std::string& name,
                                                                 const TransformerAttentionConfig& config,
                                                                 Generator& gen = default_generator());

std::vector<std::string> transformer_attention_names();  // in registration order
std::string transformer_attention_description(const std::string& name);
void check_transformer_attention_name(const std::string& name);  // throws the listing error when unknown

// Where a variant can be used, and which positional encodings it takes inside
// attention: "self, causal, cross; positions: absolute, rotary, score bias, relative".
std::string transformer_attention_capabilities(const std::string& name);

}  // namespace heed
