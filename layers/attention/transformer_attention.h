// TransformerAttention: many queries read many keys at once, in heads.
//
// The Transformer's attention (Vaswani et al. 2017) projects the inputs into
// H heads, lets each head attend on its own, and projects the heads back:
//   Q = X_q W_q,  K = X_kv W_k,  V = X_kv W_v          (B, T, D) -> split -> (B, H, T, Dh), Dh = D / H
//   A_h = softmax(Q_h K_h^T / sqrt(Dh) + bias + mask)   (B, H, Tq, Tk)
//   O_h = A_h V_h                                       (B, H, Tq, Dh)
//   Y = merge(O) W_o                                    (B, Tq, D)
// Every variant of CATALOG.md section T keeps this outside shape and changes
// how Q, K and V meet: shared K/V heads (mqa, gqa), a sparse set of keys per
// query (local, strided, fixed, longformer, lsh), no attention matrix at all
// (linear, performer), a shorter key axis (linformer, nystrom), or the same
// matrix computed in tiles that never exist at once (flash).
//
//   call.query   (B, Tq, D)   the tokens that ask
//   call.memory  (B, Tk, D)   the tokens they read (keys and values come from it);
//                             for self-attention the caller passes the query again
//   call.key_mask (B, Tk)     1 real key, 0 padding; undefined: every key is real
//   call.causal               query i sees keys j <= i only (decoder self-attention)
//   call.position             a relative, rotary or bias encoding acting inside
//                             attention, or null (absolute ones were added to X)
//   output       (B, Tq, D)
//   weights      (B, H, Tq, Tk) when call.keep_weights and the variant has an
//                attention matrix; undefined otherwise (weights_note() says why)
//
// Masked keys get -inf before the softmax, so a query whose keys are all
// masked gets zero weights and a zero output, never NaN.
//
// Writing a variant: derive from TransformerAttention (or from
// ProjectedAttention, which owns W_q, W_k, W_v, W_o and leaves only the
// per-head step to write), take (const TransformerAttentionConfig&, Generator&)
// in the constructor, say which calls it accepts with the supports_* methods,
// and add one line to layers/attention/transformer_registry.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/linear.h"
#include "layers/module.h"
#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

// Sizes and knobs every variant is built from; each variant reads the fields it uses.
struct TransformerAttentionConfig {
  std::int64_t model_dim = 0;       // D
  std::int64_t heads = 4;           // H; D must divide by H
  std::int64_t kv_heads = 0;        // gqa: K/V heads shared by groups of query heads (0: H/2); mqa uses 1
  std::int64_t window = 8;          // local, longformer: keys within [i - w, i + w] (causal: [i - w, i])
  std::int64_t block = 0;           // strided, fixed: the stride / block size s (0: ceil(sqrt(max_len)))
  std::int64_t summary = 1;         // fixed: the last c columns of each block are summary columns
  std::int64_t global_tokens = 1;   // longformer: the first g positions are global
  std::int64_t features = 0;        // performer: random features m (0: 2 * Dh)
  std::int64_t redraw_every = 0;    // performer: draw new features every N training calls (0: never)
  std::int64_t max_len = 1024;      // linformer: the longest sequence E and F cover
  std::int64_t projected_len = 32;  // linformer: k, the length K and V are projected to
  std::int64_t landmarks = 8;       // nystrom: number of landmarks
  std::int64_t buckets = 8;         // lsh: hash buckets (even)
  std::int64_t chunk = 16;          // lsh: chunk length after sorting by bucket; linear, performer: causal chunk
  std::int64_t tile = 64;           // flash: query and key tile size
  bool bias = true;                 // the projections have biases (nn.MultiheadAttention's default)
  DType dtype = DType::Float32;

  std::int64_t head_dim() const { return heads > 0 ? model_dim / heads : 0; }
};

struct AttentionCall {
  Tensor query{};                           // (B, Tq, D)
  Tensor memory{};                          // (B, Tk, D)
  Tensor key_mask{};                        // (B, Tk) 1 real 0 pad, or undefined
  bool causal = false;                      // query i sees keys j <= i (self-attention, Tq == Tk)
  PositionalEncoding* position = nullptr;   // rotary, bias or relative encoding, or null
  bool keep_weights = false;                // fill TransformerAttentionOutput::weights (costs memory)
};

struct TransformerAttentionOutput {
  Tensor output;   // (B, Tq, D)
  Tensor weights;  // (B, H, Tq, Tk), or undefined
};

class TransformerAttention : public Module {
 public:
  using Module::Module;

  using Module::forward;  // the one-input form does not apply
  virtual TransformerAttentionOutput forward(const AttentionCall& call) = 0;

  // What the variant can do; the model checks these before it trains and
  // refuses a pairing the variant cannot honour, naming both.
  virtual bool supports_causal() const { return true; }        // decoder self-attention
  virtual bool supports_cross() const { return true; }         // Tq != Tk, memory from another sequence
  virtual bool supports_key_mask() const { return true; }      // padding
  virtual bool accepts_position(PositionKind kind) const {     // inside attention
    return kind == PositionKind::None || kind == PositionKind::Absolute;
  }
  // Empty when keep_weights gives a (B, H, Tq, Tk) matrix; otherwise one
  // sentence saying why there is none, shown where a heatmap would be.
  virtual std::string weights_note() const { return ""; }

  // Checks a call against what the variant supports and against its shapes;
  // throws a message naming the variant, the shapes and the fix.
  void check_call(const AttentionCall& call, std::int64_t model_dim) const;
};

// A variant with the four projections of multi-head attention around a
// per-head step. Derived classes implement attend_heads(); K/V may have fewer
// heads than Q (mqa, gqa): kv_heads() of them.
class ProjectedAttention : public TransformerAttention {
 public:
  ProjectedAttention(std::string type_name, const TransformerAttentionConfig& config, std::int64_t kv_heads,
                     Generator& gen);

  TransformerAttentionOutput forward(const AttentionCall& call) override;

  std::int64_t model_dim() const { return model_dim_; }
  std::int64_t heads() const { return heads_; }
  std::int64_t kv_heads() const { return kv_heads_; }
  std::int64_t head_dim() const { return model_dim_ / heads_; }

  std::shared_ptr<Linear> q_proj;    // (D, D)
  std::shared_ptr<Linear> k_proj;    // (kv_heads * Dh, D)
  std::shared_ptr<Linear> v_proj;    // (kv_heads * Dh, D)
  std::shared_ptr<Linear> out_proj;  // (D, D)

 protected:
  // q (B, H, Tq, Dh), k and v (B, Hkv, Tk, Dh), already projected and split,
  // rotated when call.position is rotary -> output (B, H, Tq, Dh) and, when
  // call.keep_weights and the variant has them, weights (B, H, Tq, Tk).
  virtual TransformerAttentionOutput attend_heads(const Tensor& q, const Tensor& k, const Tensor& v,
                                                  const AttentionCall& call) = 0;

 private:
  std::int64_t model_dim_, heads_, kv_heads_;
};

// (B, T, H * Dh) -> (B, H, T, Dh), and back.
Tensor split_heads(const Tensor& x, std::int64_t heads);
Tensor merge_heads(const Tensor& x);

// (B, Hkv, T, Dh) -> (B, Hkv * G, T, Dh): each K/V head serves G query heads in a row.
Tensor repeat_kv_heads(const Tensor& x, std::int64_t groups);

// The reference every variant is tested against: dense scaled-dot attention
// with the full (B, H, Tq, Tk) matrix.
//   q (B, H, Tq, Dh), k and v (B, H, Tk, Dh) (same head count; repeat_kv_heads first)
//   key_mask (B, Tk) or undefined; causal: query i (at position i + Tk - Tq) sees keys j <= it
//   position: a ScoreBias or Relative encoding adds its terms; a Rotary one
//   must already have rotated q and k (ProjectedAttention does it).
struct DenseAttention {
  Tensor output;   // (B, H, Tq, Dh)
  Tensor weights;  // (B, H, Tq, Tk)
};
DenseAttention dense_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask, bool causal,
                               PositionalEncoding* position);

// The additive mask (0 allowed, -inf blocked) for a key mask and/or a causal
// rule: (B, 1, Tq, Tk), (1, 1, Tq, Tk), or undefined when nothing is blocked.
Tensor attention_mask_bias(const Tensor& key_mask, bool causal, std::int64_t query_len, std::int64_t key_len,
                           DType dtype);

}  // namespace heed
