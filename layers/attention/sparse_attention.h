// Sparse attention: each query scores a few groups of keys, never all T of them.
//
// The sparse variants (CATALOG.md T4-T7: local, strided, fixed, longformer)
// allow query i to read only the keys of a pattern P(i). Building the dense
// (T, T) score matrix and masking it would cost O(T^2) time and memory, the
// very thing the patterns exist to avoid. Instead the sequence is cut into
// nb = ceil(T / s) blocks of s positions (padded at the end), and the allowed
// keys come in *groups*, each scored by one batched matmul:
//
//   Rows     query block r reads its own key list, e.g. blocks r-1, r, r+1   (B, H, nb, s, m)
//            (a sliding window of width w fits in three blocks of size w)
//   Columns  the (nb, s) grid read by columns: query r*s + c reads keys
//            r'*s + c for every r' -- the keys at a multiple of s away      (B, H, s, nb, nb)
//   Shared   every query reads the same short key list (global tokens,
//            summary columns)                                              (B, H, nb*s, m)
//
// Each group's scores are put in the row layout (B, H, nb, s, m_g), blocked
// keys get -inf (outside the pattern, the causal rule, padding, past the end
// of the sequence, or already counted by an earlier group), and ONE softmax
// runs over the groups joined along the key axis:
//   a_i = softmax([s_i,group 1 ; s_i,group 2 ; ...]),  s_ij = q_i . k_j / sqrt(Dh) + bias(j - i)
// so the weights of query i sum to one over its whole pattern, exactly as
// dense attention with the pattern as a mask -- only the O(T * m) scores that
// can be non-zero are ever computed. A ScoreBias encoding (t5, alibi) is asked
// for the biases of the (query, key) distances of each group; rotary needs
// nothing here (ProjectedAttention rotated q and k already).
//
// Child et al. 2019, "Generating Long Sequences with Sparse Transformers";
// Beltagy et al. 2020, "Longformer: The Long-Document Transformer".
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "layers/attention/transformer_attention.h"

namespace heed {

// How a group's queries are batched (see the header comment).
enum class QueryLayout { Rows, Columns, Shared };

// Which (query, key) pairs of a group are allowed: query and key positions
// (int64, broadcastable) -> 1 allowed, 0 blocked. The causal rule, padding and
// the sequence end are applied by sparse_attention; a null rule allows all.
using KeyRule = std::function<Tensor(const Tensor& query, const Tensor& key)>;

struct KeyGroup {
  QueryLayout layout = QueryLayout::Rows;
  Tensor key_positions;  // int64: Rows (nb, m), Columns (s, m), Shared (1, m); may fall outside [0, T)
  KeyRule allowed;       // the pattern, minus the keys an earlier group already holds
};

struct SparsePattern {
  std::int64_t block = 1;  // s
  std::vector<KeyGroup> groups;
  std::int64_t global_queries = 0;  // the first g queries read every key (longformer's global tokens)
};

struct SparseAttention {
  Tensor output;   // (B, H, T, Dh)
  Tensor weights;  // (B, H, T, T) when asked for: the sparse weights scattered into zeros; else undefined
};

// q, k, v (B, H, T, Dh) -- self-attention, one K/V head per query head;
// key_mask (B, T) or undefined; position: null, rotary (already applied) or ScoreBias.
SparseAttention sparse_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                                 PositionalEncoding* position, const SparsePattern& pattern, bool keep_weights);

// Key lists for the groups, for nb blocks of size s.
// Query block r reads blocks r - before .. r + after: (nb, (before + 1 + after) * s).
Tensor neighbour_block_positions(std::int64_t blocks, std::int64_t block, std::int64_t before, std::int64_t after);
// Column c of the (nb, s) grid: positions c, c + s, ..., (s, nb).
Tensor column_positions(std::int64_t blocks, std::int64_t block);

// 0/1 int64 logic for the rules.
Tensor int_scalar(std::int64_t value);
Tensor both(const Tensor& a, const Tensor& b);  // a and b

// The base of the four sparse variants: the projections of multi-head
// attention around sparse_attention. A variant only says which keys each
// query reads, by building its SparsePattern for a length.
class SparseProjectedAttention : public ProjectedAttention {
 public:
  bool supports_cross() const override { return false; }  // patterns are over one sequence's positions
  bool accepts_position(PositionKind kind) const override { return kind != PositionKind::Relative; }

  // The pattern for a sequence of `length` tokens (tests and heatmaps use it too).
  virtual SparsePattern pattern(std::int64_t length, bool causal) const = 0;

 protected:
  SparseProjectedAttention(std::string type_name, const TransformerAttentionConfig& config, Generator& gen)
      : ProjectedAttention(std::move(type_name), config, config.heads, gen) {}

  TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                          const AttentionCall& call) override;
};

// strided and fixed with config.block = 0: s = ceil(sqrt(config.max_len)).
std::int64_t sparse_block_size(const TransformerAttentionConfig& config, const std::string& op);

}  // namespace heed
