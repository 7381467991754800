// The registry of positional encodings (CATALOG.md, section P).
//
//   auto position = make_positional_encoding("rope", {.model_dim = 128, .heads = 4}, gen);
//
// The 2-D encodings of patch grids sit in the same registry: the ViT takes
// every encoding (1-D ones read the patches in raster order), and a sequence
// model given a 2-D one is refused with a message saying why.
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

// True for the encodings of patch grids (GridPositionalEncoding: sinusoidal-2d,
// vit-learned, rope-2d), which image models use and sequence models cannot;
// builds a small instance to find out.
bool is_grid_positional_encoding(const std::string& name);

}  // namespace heed
