// Local attention, monotonic (Luong's local-m): read only a window of keys
// around the decoder's own position.
//
//   s_j = q^T W k_j                          the `general` score (general.h)
//   a   = softmax(s) over the real keys j with t - D <= j <= t + D; a_j = 0 elsewhere
//   c   = sum_j a_j v_j
//
//   q   (B, Dq)       the decoder's state at step t = decoder_step() (0, 1, ...)
//   K   (B, Tk, Dk)   the encoder's outputs; V = K in the RNN seq2seq
//   W   (Dq, Dk)      score.key_proj.weight
//   D   config.window (default 3): the window's half width, 2D + 1 keys at most
//   s, a (B, Tk)      c (B, Dv)
//
// Global attention reads every source word at every step; local-m bets that
// the source and target run in the same order (monotonic alignment), so
// target word t is translated from source words near t, and reads only
// those: the window centre is p_t = t itself, nothing is learned about where
// to look. The window is cut at the sentence's ends (padding stays masked).
// Taken literally, as here, a step t > S_b - 1 + D (a target longer than its
// source by more than D) finds no key in its window: its weights are all zero
// and its context is zero, and the decoder goes on from its state alone.
// Luong scored inside the window with any global score; heed uses `general`,
// which the paper's best local models used and which works for any key size.
// Luong, Pham & Manning 2015, "Effective Approaches to Attention-based Neural
// Machine Translation", EMNLP (section 3.2, local-m).
#pragma once

#include <memory>

#include "layers/attention/general.h"
#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

// 1 where key j is real (mask, when defined) and |j - centres_b| <= window,
// else 0: centres (B), any real number, no gradient -> (B, key_count) in
// centres' dtype. Shared by local-m and local-p.
Tensor local_window_mask(const Tensor& centres, double window, std::int64_t key_count, const Tensor& mask);

class LocalMonotonicAttention : public SequenceAttention {
 public:
  LocalMonotonicAttention(const SequenceAttentionConfig& config, Generator& gen = default_generator());

  void prepare(const Tensor& keys) override { score->prepare(keys); }
  void release_prepared() override { score->release_prepared(); }
  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;

  std::int64_t query_dim;
  std::int64_t key_dim;
  std::int64_t window;                     // D
  std::shared_ptr<GeneralAttention> score;  // s = q^T W k
};

}  // namespace heed
