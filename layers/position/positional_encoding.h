// PositionalEncoding: how a Transformer learns where each token is.
//
// Attention by itself is blind to order: permute the keys and the output does
// not change. Each encoding (CATALOG.md, rows P1-P9) puts position back in one
// of four places, and its kind() says which:
//
//   Absolute   x_p <- x_p + P_p, added once to the embeddings         sinusoidal, learned, sinusoidal-2d,
//                                                                     vit-learned (P2, P3, P8, P9)
//   Rotary     q_i <- R(i) q_i, k_j <- R(j) k_j inside attention,     rope (P6), rope-2d
//              so q_i . k_j depends on i and j only through j - i
//   ScoreBias  s_ij <- s_ij + b_h(j - i), a per-head scalar           t5, alibi (P5, P7)
//   Relative   s_ij <- (q_i . (k_j + a^K(j-i))) / sqrt(d);            shaw (P4)
//              out_i <- sum_j a_ij (v_j + a^V(j-i))
//   None       nothing (P1)
//
// The relative kinds take the distances d = j - i as an int64 tensor of any
// shape, not a (Tq, Tk) matrix, so an efficient variant that only scores a
// window of keys asks for the biases of that window alone:
//   dense attention   distances (Tq, Tk)        bias (H, Tq, Tk)
//   sliding window    distances (Tq, 2w + 1)    bias (H, Tq, 2w + 1)
//
// Relative, rotary and bias encodings act in self-attention only: a source
// position and a target position are not on one axis, so cross-attention
// gets no positional term (as in T5 and in RoPE models).
//
// Image models place their tokens on a grid of patches, not on a line: the
// 2-D encodings (sinusoidal-2d, vit-learned, rope-2d) derive from
// GridPositionalEncoding (grid_position.h), which knows the grid's rows and
// columns. The 1-D encodings still work on patches, read in raster order.
//
// Writing an encoding: derive from PositionalEncoding, take
// (const PositionConfig&, Generator&) in the constructor, override kind() and
// the one method of that kind, and add one line to layers/position/registry.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "layers/module.h"

namespace heed {

enum class PositionKind { None, Absolute, Rotary, ScoreBias, Relative };

std::string position_kind_name(PositionKind kind);  // "absolute", "rotary", ...

// Rotary, bias and relative encodings act inside attention (AttentionCall.position);
// absolute ones are added to the embeddings instead.
bool acts_inside_attention(PositionKind kind);

struct PositionConfig {
  std::int64_t model_dim = 0;       // D: the embedding size (absolute encodings)
  std::int64_t heads = 1;           // H: one bias per head (t5, alibi)
  std::int64_t head_dim = 0;        // Dh: the size rope rotates and shaw's tables have; 0 means D / H
  std::int64_t max_len = 1024;      // the longest sequence a learned table covers
  std::int64_t max_distance = 16;   // shaw: distances are clipped to [-k, k]; t5: the distance where log buckets end (x8)
  std::int64_t buckets = 32;        // t5: number of distance buckets
  bool causal = false;              // t5: a causal model only sees d <= 0, so every bucket goes to the past
  double base = 10000.0;            // sinusoidal and rope wavelengths: base^(2i/d)
  std::int64_t grid_rows = 0;       // 2-D encodings: the patch grid they are built (and trained) for
  std::int64_t grid_cols = 0;
  DType dtype = DType::Float32;

  std::int64_t per_head() const { return head_dim > 0 ? head_dim : model_dim / heads; }
};

class PositionalEncoding : public Module {
 public:
  using Module::Module;

  virtual PositionKind kind() const = 0;

  // Absolute: x (B, T, D), whose first token sits at position `offset`,
  // -> x + P[offset .. offset + T). The other kinds return x unchanged.
  virtual Tensor embed(const Tensor& x, std::int64_t offset = 0);

  // Rotary: x (B, H, T, Dh), positions (T) int64 -> x with each channel pair
  // (2i, 2i+1) of token t rotated by positions[t] * theta_i. Others return x.
  virtual Tensor rotate(const Tensor& x, const Tensor& positions);

  // ScoreBias: distances (S...) int64, d = key position - query position
  // -> (H, S...), added to the scores before the softmax. Undefined for the others.
  virtual Tensor score_bias(const Tensor& distances);

  // Relative (Shaw): distances (S...) -> a^K (S..., Dh) and a^V (S..., Dh). Undefined for the others.
  virtual Tensor key_table(const Tensor& distances);
  virtual Tensor value_table(const Tensor& distances);
};

// The positions 0..n-1 shifted by offset, (n) int64: what rotate() takes.
Tensor position_ids(std::int64_t n, std::int64_t offset = 0);

// d = j - i for query positions i in [q_offset, q_offset + Tq) and key
// positions j in [0, Tk): (Tq, Tk) int64, what dense attention passes to
// score_bias(), key_table() and value_table().
Tensor relative_distances(std::int64_t query_len, std::int64_t key_len, std::int64_t query_offset = 0);

}  // namespace heed
