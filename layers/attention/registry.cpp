#include "layers/attention/registry.h"

#include "layers/attention/additive.h"
#include "layers/attention/concat.h"
#include "layers/attention/dot.h"
#include "layers/attention/gaussian.h"
#include "layers/attention/general.h"
#include "layers/attention/hard.h"
#include "layers/attention/local_m.h"
#include "layers/attention/local_p.h"
#include "layers/attention/none.h"
#include "layers/attention/scaled_dot.h"
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
      {"dot", "Luong 2015: s = q^T k; needs equal query and key sizes (S1)", factory_of<DotAttention>()},
      {"scaled-dot", "s = q^T k / sqrt(d), the Transformer's score; needs equal sizes (S2)",
       factory_of<ScaledDotAttention>()},
      {"general", "Luong 2015, bilinear: s = q^T W k (S3)", factory_of<GeneralAttention>()},
      {"concat", "Luong 2015: s = v^T tanh(W [q; k]) (S4)", factory_of<ConcatAttention>()},
      {"additive", "Bahdanau 2015: s = v^T tanh(W1 q + W2 k) (S5)", factory_of<AdditiveAttention>()},
      {"gaussian", "kernel: s = -||q - k||^2 / (2 sigma^2), sigma learned; needs equal sizes (S6)",
       factory_of<GaussianAttention>()},
      {"local-m", "Luong 2015, local monotonic: general score in the window [t - D, t + D] (S7)",
       factory_of<LocalMonotonicAttention>()},
      {"local-p", "Luong 2015, local predictive: window around a learned p_t, Gaussian-weighted (S8)",
       factory_of<LocalPredictiveAttention>()},
      {"hard", "one key: sampled in training (REINFORCE or straight-through Gumbel), argmax at eval (S9)",
       factory_of<HardAttention>()},
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
