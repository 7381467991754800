// The registry of vision attention modules (CATALOG.md, section V): pick one by name.
//
//   auto attention = make_vision_attention("cbam", {.channels = 64, .size = 14}, gen);
//   for (const auto& name : vision_attention_names())
//     std::cout << name << "  " << vision_attention_description(name) << "\n";
//
// `classify --model cnn --attention NAME` plugs the module into the CNN (layers/models/
// cnn_classifier.h, add_vision_attention). A new module is one file pair (a VisionAttention,
// see vision_attention.h) plus one line in registry.cpp; programs may add their own at run time
// with register_vision_attention().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/vision/vision_attention.h"
#include "tensor/random.h"

namespace heed {

using VisionAttentionFactory =
    std::function<std::shared_ptr<VisionAttention>(const VisionAttentionConfig&, Generator&)>;

// Adds a module; a name already taken is an error.
void register_vision_attention(const std::string& name, const std::string& description,
                               VisionAttentionFactory factory);

// Builds the module called `name`; an unknown name is an error that lists the valid ones.
std::shared_ptr<VisionAttention> make_vision_attention(const std::string& name, const VisionAttentionConfig& config,
                                                       Generator& gen = default_generator());

std::vector<std::string> vision_attention_names();  // in registration order
std::string vision_attention_description(const std::string& name);
void check_vision_attention_name(const std::string& name);  // throws the listing error when unknown
// Whether the module called `name` pools (B, C, H, W) to (B, C) (VisionAttention::pools), asked
// of a small instance built with its own generator.
bool vision_attention_pools(const std::string& name);

}  // namespace heed
