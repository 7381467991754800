// The registry of positional encodings (CATALOG.md, section P).
//
//   auto position = make_positional_encoding("rope", {.model_dim = 128, .heads = 4}, gen);
//
// A new encoding is one file (see positional_encoding.h) plus one line in
// registry.cpp; programs may add their own with register_positional_encoding().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

using PositionalEncodingFactory =
    std::function<std::shared_ptr<PositionalEncoding>(const PositionConfig&, Generator&)>;

void register_positional_encoding(const std::string& name, const std::string& description,
                                  PositionalEncodingFactory factory);

std::shared_ptr<PositionalEncoding> make_positional_encoding(const std::string& name, const PositionConfig& config,
                                                             Generator& gen = default_generator());

std::vector<std::string> positional_encoding_names();  // in registration order
std::string positional_encoding_description(const std::string& name);
void check_positional_encoding_name(const std::string& name);  // throws the listing error when unknown

}  // namespace heed
