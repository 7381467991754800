// SequenceAttention: how one decoder query reads an encoded sequence.
//
// At each decoder step a query q (the decoder's state) scores every key k_j
// of the memory (the encoder's outputs), the scores become weights, and the
// weights average the values v_j into a context vector:
//   s_j = score(q, k_j)                     one number per key; each variant is a different score
//   a   = softmax(s)   over j               s_j = -inf at padded keys, so a_j = 0 there
//   c   = sum_j a_j v_j
//
//   query   (B, Dq)       one query per sequence (the RNN decoder's state)
//   keys    (B, Tk, Dk)   the memory, one key per source position
//   values  (B, Tk, Dv)   usually the keys themselves
//   mask    (B, Tk)       1 for a real key, 0 for padding; undefined means every key is real
//   context (B, Dv)       weights (B, Tk), each row summing to 1 over the real keys
//
// A row whose keys are all masked gets zero weights and a zero context, never
// NaN: heed's softmax turns an all -inf row into zeros.
//
// Writing a variant (CATALOG.md, section S): derive from SequenceAttention,
// take (const SequenceAttentionConfig&, Generator&) in the constructor,
// implement attend(), and add one line for it in registry.cpp. Variants that
// project the keys (additive, general, concat) do it in prepare(), once per
// source sentence instead of once per decoder step. Variants that need the
// query's position (local-m) read decoder_step(), which the decoder
// sets before each attend(). A variant trained by a loss of its own (hard's
// REINFORCE term) says so with has_auxiliary_loss(); the model forwards it to
// the trainer (TranslationModel::auxiliary_loss).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "layers/module.h"

namespace heed {

// Sizes every variant is built from; a variant that needs more knobs (a
// window, a kernel width) adds a field here with its default.
struct SequenceAttentionConfig {
  std::int64_t query_dim = 0;  // Dq, the decoder state's size
  std::int64_t key_dim = 0;    // Dk, the encoder output's size
  std::int64_t value_dim = 0;  // Dv; 0 means key_dim (values are the keys)
  std::int64_t attn_dim = 0;   // the hidden size of learned scores (additive's W1, W2); 0 means query_dim
  DType dtype = DType::Float32;
  std::int64_t window = 3;     // D: local-m and local-p see the keys [centre - D, centre + D]
  std::string hard_estimator = "reinforce";  // hard: "reinforce" (score function) or "gumbel" (straight-through)
  double gumbel_temperature = 1.0;           // hard with "gumbel": tau of softmax((s + g) / tau)
  bool gumbel_straight_through = true;       // hard with "gumbel": one-hot forward; false gives the soft sample
  double baseline_decay = 0.9;               // hard with "reinforce": b <- decay b + (1 - decay) mean_b L_b

  std::int64_t values() const { return value_dim > 0 ? value_dim : key_dim; }
  std::int64_t attention() const { return attn_dim > 0 ? attn_dim : query_dim; }
};

struct AttentionResult {
  Tensor context;  // (B, Dv); undefined for `none`
  Tensor weights;  // (B, Tk), 0 at masked keys; undefined where a variant has no weights
};

class SequenceAttention : public Module {
 public:
  using Module::Module;

  // Per-sequence work that does not depend on the query, done once before the
  // decoder loop: keys (B, Tk, Dk). attend() must give the same result with
  // or without it (it recomputes what it needs for keys it was not prepared for).
  virtual void prepare(const Tensor& keys) { (void)keys; }
  // Drops what prepare() kept (it holds part of the graph until the next prepare).
  virtual void release_prepared() {}

  virtual AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                 const Tensor& mask) = 0;

  // False for `none`: no context at all, so the decoder must not expect one.
  virtual bool produces_context() const { return true; }

  // Empty when attend() gives weights; otherwise one sentence saying why there
  // are none, shown where a heatmap would be.
  virtual std::string weights_note() const { return ""; }

  // A loss term of the variant's own, for parts that the cross-entropy's
  // gradient cannot reach (hard attention's sampling). per_sentence_loss (B)
  // holds each sentence's summed token loss from the last forward, without
  // gradient; the result is a scalar to add to the training loss.
  virtual bool has_auxiliary_loss() const { return false; }
  virtual Tensor auxiliary_loss(const Tensor& per_sentence_loss) {
    (void)per_sentence_loss;
    return {};
  }

  // The position of the query in the target sequence (0, 1, ...), for variants
  // whose window follows the decoder (Luong's local attention).
  void set_decoder_step(std::int64_t step) { decoder_step_ = step; }
  std::int64_t decoder_step() const { return decoder_step_; }

 protected:
  // Checks the shapes of attend()'s arguments against the sizes the variant was built for.
  void check_inputs(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask,
                    std::int64_t query_dim, std::int64_t key_dim) const {
    const std::string& op = type_name();
    HEED_CHECK(query.dim() == 2 && query.size(1) == query_dim, op, ": query has shape ", shape_str(query.shape()),
               "; expected (batch, ", query_dim, ")");
    HEED_CHECK(keys.dim() == 3 && keys.size(0) == query.size(0) && keys.size(2) == key_dim, op,
               ": keys have shape ", shape_str(keys.shape()), "; expected (", query.size(0), ", source_len, ",
               key_dim, ")");
    HEED_CHECK(values.dim() == 3 && values.size(0) == keys.size(0) && values.size(1) == keys.size(1), op,
               ": values have shape ", shape_str(values.shape()), "; expected (", keys.size(0), ", ",
               keys.size(1), ", value_dim) to match the keys");
    const Shape mask_shape{keys.size(0), keys.size(1)};
    HEED_CHECK(!mask.defined() || mask.shape() == mask_shape, op, ": mask has shape ",
               shape_str(mask.shape()), "; expected (", keys.size(0), ", ", keys.size(1), "), 1 real 0 padding");
  }

  // For scores that compare q with k directly (dot, scaled-dot, gaussian).
  static void check_equal_sizes(const std::string& op, const SequenceAttentionConfig& config) {
    HEED_CHECK(config.query_dim == config.key_dim, op, ": the query has size ", config.query_dim,
               " but the keys have size ", config.key_dim, "; this score compares q with k directly and needs ",
               "equal sizes. The bidirectional encoder doubles the key size (2 x hidden): use --bidirectional=false ",
               "(Seq2SeqConfig::bidirectional), or a learned score such as `general` (q^T W k), which maps between "
               "the sizes");
  }

  // The shared last part of every soft variant: scores (B, Tk) -> weights and
  // context. Masked keys get -inf before the softmax.
  static AttentionResult weigh_values(const Tensor& scores, const Tensor& values, const Tensor& mask) {
    Tensor masked = scores;  // (B, Tk)
    if (mask.defined())
      masked = where(mask, scores, scalar_tensor(-std::numeric_limits<double>::infinity(), scores.dtype(),
                                                 scores.device()));
    const Tensor weights = softmax(masked, -1);                               // (B, Tk)
    const Tensor context = squeeze(matmul(unsqueeze(weights, 1), values), 1);  // (B, 1, Tk) @ (B, Tk, Dv) -> (B, Dv)
    return {context, weights};
  }

 private:
  std::int64_t decoder_step_ = 0;
};

}  // namespace heed
