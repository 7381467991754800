// Grouped-query attention (T3): the H query heads fall into Hkv groups, and
// each group shares one key head and one value head.
//
//   Q (B, H, Tq, Dh)    K, V (B, Hkv, Tk, Dh)    query head h reads K/V head h / (H / Hkv)
//
// Between mha (Hkv = H) and mqa (Hkv = 1): most of mqa's saving with most of
// mha's quality. config.kv_heads picks Hkv (0: H / 2); H must divide by it.
//
// Ainslie et al. 2023, "GQA: Training Generalized Multi-Query Transformer
// Models from Multi-Head Checkpoints".
#pragma once

#include <algorithm>

#include "layers/attention/mha.h"

namespace heed {

class GroupedQueryAttention : public MultiHeadAttention {
 public:
  GroupedQueryAttention(const TransformerAttentionConfig& config, Generator& gen = default_generator())
      : MultiHeadAttention("GroupedQueryAttention", config, kv_heads_of(config), gen) {}

 private:
  static std::int64_t kv_heads_of(const TransformerAttentionConfig& config) {
    return config.kv_heads > 0 ? config.kv_heads : std::max<std::int64_t>(1, config.heads / 2);
  }
};

}  // namespace heed
