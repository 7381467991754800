#include "layers/attention/transformer_registry.h"

#include "layers/attention/fixed.h"
#include "layers/attention/flash.h"
#include "layers/attention/gqa.h"
#include "layers/attention/linear.h"
#include "layers/attention/linformer.h"
#include "layers/attention/local.h"
#include "layers/attention/longformer.h"
#include "layers/attention/lsh.h"
#include "layers/attention/mha.h"
#include "layers/attention/mqa.h"
#include "layers/attention/nystrom.h"
#include "layers/attention/performer.h"
#include "layers/attention/strided.h"
#include "layers/named_registry.h"

namespace heed {

namespace {

using Registry = NamedRegistry<TransformerAttention, const TransformerAttentionConfig&, Generator&>;

template <typename Variant>
TransformerAttentionFactory factory_of() {
  return [](const TransformerAttentionConfig& config, Generator& gen) -> std::shared_ptr<TransformerAttention> {
    return std::make_shared<Variant>(config, gen);
  };
}

// The built-in variants (CATALOG.md, section T): one line each.
std::vector<Registry::Entry> builtin_variants() {
  return {
      {"mha", "multi-head scaled-dot attention, Vaswani 2017 (T1)", factory_of<MultiHeadAttention>()},
      {"mqa", "multi-query: all query heads share one K/V head, Shazeer 2019 (T2)", factory_of<MultiQueryAttention>()},
      {"gqa", "grouped-query: groups of query heads share K/V heads, Ainslie 2023 (T3)",
       factory_of<GroupedQueryAttention>()},
      {"local", "sliding window: keys within w of the query, O(T w), Beltagy 2020 (T4)", factory_of<LocalAttention>()},
      {"strided", "strided sparse: neighbours and every s-th key, O(T sqrt T), Child 2019 (T5)",
       factory_of<StridedAttention>()},
      {"fixed", "fixed sparse: own block and summary columns, O(T sqrt T), Child 2019 (T6)",
       factory_of<FixedAttention>()},
      {"longformer", "sliding window plus global tokens, Beltagy 2020 (T7)", factory_of<LongformerAttention>()},
      {"linear", "elu(x)+1 feature map, no attention matrix, Katharopoulos 2020 (T8)", factory_of<LinearAttention>()},
      {"performer", "FAVOR+ orthogonal random features, Choromanski 2021 (T9)", factory_of<PerformerAttention>()},
      {"linformer", "K and V projected along the length, Wang 2020 (T10)", factory_of<LinformerAttention>()},
      {"nystrom", "Nystrom approximation from landmarks, Xiong 2021 (T11)", factory_of<NystromAttention>()},
      {"lsh", "Reformer: shared-QK, hash buckets, sorted chunks, Kitaev 2020 (T12)", factory_of<LshAttention>()},
      {"flash", "exact attention in tiles with the online softmax, Dao 2022 (T13)", factory_of<FlashAttention>()},
  };
}

Registry& registry() {
  static Registry r("transformer attention", builtin_variants());
  return r;
}

}  // namespace

void register_transformer_attention(const std::string& name, const std::string& description,
                                    TransformerAttentionFactory factory) {
  registry().add(name, description, std::move(factory));
}

std::shared_ptr<TransformerAttention> make_transformer_attention(const std::string& name,
                                                                 const TransformerAttentionConfig& config,
                                                                 Generator& gen) {
  return registry().make(name, config, gen);
}

std::vector<std::string> transformer_attention_names() { return registry().names(); }

std::string transformer_attention_description(const std::string& name) { return registry().description(name); }

void check_transformer_attention_name(const std::string& name) { registry().check_known(name); }

std::string transformer_attention_capabilities(const std::string& name) {
  Generator gen(0);
  TransformerAttentionConfig config;
  config.model_dim = 16;
  config.heads = 4;
  config.max_len = 64;
  const auto attention = make_transformer_attention(name, config, gen);
  std::string uses = "self";
  if (attention->supports_causal()) uses += ", causal";
  if (attention->supports_cross()) uses += ", cross";
  std::string positions;
  for (PositionKind kind : {PositionKind::Absolute, PositionKind::Rotary, PositionKind::ScoreBias,
                            PositionKind::Relative})
    if (attention->accepts_position(kind)) positions += (positions.empty() ? "" : ", ") + position_kind_name(kind);
  return uses + "; positions: " + positions;
}

}  // namespace heed
