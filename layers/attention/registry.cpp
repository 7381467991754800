#include "layers/attention/registry.h"

#include "layers/attention/additive.h"
#include "layers/attention/none.h"
#include "layers/named_registry.h"

namespace heed {

namespace {

using Registry = NamedRegistry<SequenceAttention, const SequenceAttentionConfig&, Generator&>;

template <typename Variant>
SequenceAttentionFactory factory_of() {
  return [](const SequenceAttentionConfig& config, Generator& gen) -> std::shared_ptr<SequenceAttention> {
    return std::make_shared<Variant>(config, gen);
  };
}

// The built-in variants (CATALOG.md, section S): one line each.
std::vector<Registry::Entry> builtin_variants() {
  return {
      {"none", "no attention: the decoder sees only the encoder's final state (S10)", factory_of<NoAttention>()},
      {"additive", "Bahdanau 2015: s = v^T tanh(W1 q + W2 k) (S5)", factory_of<AdditiveAttention>()},
  };
}

Registry& registry() {
  static Registry r("sequence attention", builtin_variants());
  return r;
}

}  // namespace

void register_sequence_attention(const std::string& name, const std::string& description,
                                 SequenceAttentionFactory factory) {
  registry().add(name, description, std::move(factory));
}

std::shared_ptr<SequenceAttention> make_sequence_attention(const std::string& name,
                                                           const SequenceAttentionConfig& config, Generator& gen) {
  return registry().make(name, config, gen);
}

std::vector<std::string> sequence_attention_names() { return registry().names(); }

std::string sequence_attention_description(const std::string& name) { return registry().description(name); }

}  // namespace heed
