// The registry of sequence-attention variants: pick one by name.
//
//   auto attention = make_sequence_attention("additive", {.query_dim = 128, .key_dim = 256}, gen);
//   for (const auto& name : sequence_attention_names())
//     std::cout << name << "  " << sequence_attention_description(name) << "\n";
//
// Experiments take the name from a flag, so a new variant needs no driver
// change: write its file (see sequence_attention.h) and add one line to the
// list in registry.cpp (layers/named_registry.h says why one list, not
// self-registering files). Programs may still register their own variants
// at run time with register_sequence_attention().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

using SequenceAttentionFactory =
    std::function<std::shared_ptr<SequenceAttention>(const SequenceAttentionConfig&, Generator&)>;

// Adds a variant; a name already taken is an error.
void register_sequence_attention(const std::string& name, const std::string& description,
                                 SequenceAttentionFactory factory);

// Builds the variant called `name`; an unknown name is an error that lists the valid ones.
std::shared_ptr<SequenceAttention> make_sequence_attention(const std::string& name,
                                                           const SequenceAttentionConfig& config,
                                                           Generator& gen = default_generator());

std::vector<std::string> sequence_attention_names();  // in registration order
std::string sequence_attention_description(const std::string& name);

}  // namespace heed
