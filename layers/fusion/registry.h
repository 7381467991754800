// The registry of fusions (CATALOG.md, part O): pick one by name.
//
//   auto fusion = make_fusion("gmu", {.image_dim = 128, .text_dim = 32, .fused_dim = 64}, gen);
//   for (const auto& name : fusion_names()) std::cout << name << "  " << fusion_description(name) << "\n";
//
// A new fusion is one file pair (layers/fusion/fusion.h says what to implement) plus one line in
// registry.cpp; programs may add their own at run time with register_fusion().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "layers/fusion/fusion.h"
#include "tensor/random.h"

namespace heed {

using FusionFactory = std::function<std::shared_ptr<Fusion>(const FusionConfig&, Generator&)>;

void register_fusion(const std::string& name, const std::string& description, FusionFactory factory);

// An unknown name is an error that lists the valid ones.
std::shared_ptr<Fusion> make_fusion(const std::string& name, const FusionConfig& config,
                                    Generator& gen = default_generator());

std::vector<std::string> fusion_names();  // in registration order
std::string fusion_description(const std::string& name);
void check_fusion_name(const std::string& name);  // throws the listing error when unknown

}  // namespace heed
