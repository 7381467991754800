#include "layers/attention/hard.h"

#include <limits>

#include "tensor/ops.h"

namespace heed {

namespace {

HardAttention::Estimator estimator_named(const std::string& name) {
  if (name == "reinforce") return HardAttention::Estimator::Reinforce;
  if (name == "gumbel") return HardAttention::Estimator::Gumbel;
  detail::fail("HardAttention: estimator '", name, "' is unknown; use reinforce or gumbel");
}

// Standard Gumbel noise -log(-log u), u ~ U(0, 1), drawn in float64 so that
// u is never 0 or 1 and every value is finite, then cast: (B, Tk).
Tensor gumbel_noise(const Shape& shape, DType dtype, Device device, Generator& gen) {
  const Tensor u = uniform(shape, std::numeric_limits<double>::min(), 1.0, gen, DType::Float64, device);
  return ops::to(ops::neg(ops::log(ops::neg(ops::log(u)))), dtype);
}

}  // namespace

HardAttention::HardAttention(const SequenceAttentionConfig& config, Generator& gen)
    : SequenceAttention("HardAttention"),
      query_dim(config.query_dim),
      key_dim(config.key_dim),
      estimator(estimator_named(config.hard_estimator)),
      temperature(config.gumbel_temperature),
      straight_through(config.gumbel_straight_through),
      baseline_decay(config.baseline_decay),
      gen_(gen) {
  HEED_CHECK(temperature > 0, "HardAttention: gumbel_temperature is ", temperature, "; expected a positive number");
  HEED_CHECK(baseline_decay >= 0 && baseline_decay <= 1, "HardAttention: baseline_decay is ", baseline_decay,
             "; expected a number in [0, 1]");
  score = register_module("score", std::make_shared<GeneralAttention>(config, gen));
}

void HardAttention::prepare(const Tensor& keys) {
  log_probs_.clear();  // a new forward pass: the last one's choices are gone
  score->prepare(keys);
}

AttentionResult HardAttention::attend(const Tensor& query, const Tensor& keys, const Tensor& values,
                                      const Tensor& mask) {
  check_inputs(query, keys, values, mask, query_dim, key_dim);
  const std::int64_t key_count = keys.size(1);
  const DType dtype = query.dtype();
  const Tensor minus_inf = scalar_tensor(-std::numeric_limits<double>::infinity(), dtype, query.device());
  const Tensor scores = score->scores(query, keys);                            // (B, Tk)
  const Tensor masked = mask.defined() ? where(mask, scores, minus_inf) : scores;  // (B, Tk)
  // One-hot rows at the chosen keys; a row without any real key stays all zero.
  auto one_hot_at = [&](const Tensor& chosen) {  // chosen (B) int64 -> (B, Tk)
    const Tensor rows = ops::one_hot(chosen, key_count, dtype);
    return mask.defined() ? ops::mul(rows, ops::to(mask, dtype)) : rows;
  };
  auto read = [&](const Tensor& weights) {
    return AttentionResult{squeeze(matmul(unsqueeze(weights, 1), values), 1), weights};  // (B, Dv), (B, Tk)
  };

  if (!is_training()) return read(one_hot_at(ops::argmax(masked.detach(), -1)));

  const Tensor perturbed = masked + gumbel_noise(masked.shape(), dtype, query.device(), gen_);  // s + g (B, Tk)
  if (estimator == Estimator::Gumbel) {
    const Tensor relaxed = softmax(perturbed * (1.0 / temperature), -1);  // y (B, Tk)
    if (!straight_through) return read(relaxed);
    // Forward: exactly the one-hot row (y - y is 0); backward: y's gradient.
    return read(one_hot_at(ops::argmax(relaxed.detach(), -1)) + (relaxed - relaxed.detach()));
  }

  const Tensor chosen = ops::argmax(perturbed.detach(), -1);  // j ~ a (B)
  // log a(j); rows without a real key get scores 0 (finite), then log a = 0.
  const Tensor has_key =
      mask.defined() ? ops::unsqueeze(ops::gt(ops::sum(ops::to(mask, dtype), {1}), scalar_tensor(0, dtype)), 1)
                     : ones({query.size(0), 1}, dtype, query.device());  // (B, 1)
  const Tensor log_policy = log_softmax(where(has_key, masked, zeros({}, dtype, query.device())), -1);  // (B, Tk)
  const Tensor log_chosen = gather(log_policy, 1, ops::unsqueeze(chosen, 1));                        // (B, 1)
  log_probs_.push_back(squeeze(where(has_key, log_chosen, zeros({}, dtype, query.device())), 1));  // (B)
  return read(one_hot_at(chosen));
}

Tensor HardAttention::auxiliary_loss(const Tensor& per_sentence_loss) {
  HEED_CHECK(estimator == Estimator::Reinforce, "HardAttention: auxiliary_loss is the REINFORCE term; the ",
             "gumbel estimator has none (check has_auxiliary_loss() first)");
  HEED_CHECK(!log_probs_.empty(), "HardAttention: auxiliary_loss found no recorded choices; call it after a ",
             "forward pass in training mode, once per forward");
  const Tensor first = log_probs_.front();
  const Tensor costs = ops::to(per_sentence_loss.detach(), first.dtype());  // L_b (B)
  HEED_CHECK(costs.shape() == first.shape(), "HardAttention: per_sentence_loss has shape ",
             shape_str(per_sentence_loss.shape()), "; expected (", first.size(0), "), one summed loss per sentence");
  const double batch_mean = ops::mean(costs).item();
  const double used_baseline = has_baseline_ ? baseline_ : batch_mean;
  const Tensor total_log_prob = sum(stack(log_probs_, 1), {1});  // sum_t log a_b,t(j_t) (B)
  const Tensor loss = mean(ops::add(costs, -used_baseline) * total_log_prob);

  baseline_ = has_baseline_ ? baseline_decay * baseline_ + (1 - baseline_decay) * batch_mean : batch_mean;
  has_baseline_ = true;
  log_probs_.clear();
  return loss;
}

}  // namespace heed
