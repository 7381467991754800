#include "layers/position/registry.h"

#include "layers/named_registry.h"
#include "layers/position/grid_position.h"
#include "layers/position/alibi.h"
#include "layers/position/learned.h"
#include "layers/position/none.h"
#include "layers/position/rope.h"
#include "layers/position/rope_2d.h"
#include "layers/position/shaw.h"
#include "layers/position/sinusoidal.h"
#include "layers/position/sinusoidal_2d.h"
#include "layers/position/t5.h"
#include "layers/position/vit_learned.h"

namespace heed {

namespace {

using Registry = NamedRegistry<PositionalEncoding, const PositionConfig&, Generator&>;

template <typename Encoding>
PositionalEncodingFactory factory_of() {
  return [](const PositionConfig& config, Generator& gen) -> std::shared_ptr<PositionalEncoding> {
    return std::make_shared<Encoding>(config, gen);
  };
}

// The built-in encodings (CATALOG.md, section P): one line each.
std::vector<Registry::Entry> builtin_encodings() {
  return {
      {"none", "no positional encoding (P1)", factory_of<NoPosition>()},
      {"sinusoidal", "fixed sin/cos waves added to the embeddings, Vaswani 2017 (P2)", factory_of<SinusoidalPosition>()},
      {"learned", "a trained (max_len, D) table added to the embeddings (P3)", factory_of<LearnedPosition>()},
      {"shaw", "clipped j - i, learned key and value tables (P4, Shaw 2018)", factory_of<ShawRelativePosition>()},
      {"t5", "one learned bias per head and distance bucket (P5, Raffel 2020)", factory_of<T5RelativeBias>()},
      {"rope", "rotary: q and k channel pairs turned by position (P6, Su 2021)", factory_of<RotaryPosition>()},
      {"alibi", "bias -m_h |i - j| with fixed geometric slopes (P7, Press 2021)", factory_of<AlibiBias>()},
      // Patch grids (the ViT): they need PositionConfig.grid_rows and grid_cols.
      {"sinusoidal-2d", "patch grids: sin/cos of the row in half the channels, of the column in the other (P8)",
       factory_of<SinusoidalPosition2d>()},
      {"vit-learned", "patch grids: one trained vector per patch, bilinearly resized for other grids (P9, "
       "Dosovitskiy 2021)", factory_of<VitLearnedPosition>()},
      {"rope-2d", "patch grids: rotary, half the pairs turned by the row, half by the column (Heo 2024)",
       factory_of<RotaryPosition2d>()},
  };
}

Registry& registry() {
  static Registry r("positional encoding", builtin_encodings());
  return r;
}

}  // namespace

void register_positional_encoding(const std::string& name, const std::string& description,
                                  PositionalEncodingFactory factory) {
  registry().add(name, description, std::move(factory));
}

std::shared_ptr<PositionalEncoding> make_positional_encoding(const std::string& name, const PositionConfig& config,
                                                             Generator& gen) {
  return registry().make(name, config, gen);
}

std::vector<std::string> positional_encoding_names() { return registry().names(); }

std::string positional_encoding_description(const std::string& name) { return registry().description(name); }

void check_positional_encoding_name(const std::string& name) { registry().check_known(name); }

bool is_grid_positional_encoding(const std::string& name) {
  Generator gen(0);
  const PositionConfig small{.model_dim = 16, .heads = 4, .max_len = 16, .grid_rows = 2, .grid_cols = 2};
  return dynamic_cast<GridPositionalEncoding*>(make_positional_encoding(name, small, gen).get()) != nullptr;
}

}  // namespace heed
