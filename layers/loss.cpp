#include "layers/loss.h"

#include <algorithm>

#include "autograd/functions.h"
#include "tensor/ops.h"

namespace heed {
namespace {

Tensor reduce(const Tensor& per_element, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(per_element);
    case Reduction::Sum: return sum(per_element);
    case Reduction::None: return per_element;
  }
  return per_element;
}

void check_floating(const char* loss, const char* what, const Tensor& t) {
  HEED_CHECK(t.defined() && is_floating(t.dtype()), loss, ": ", what, " must be float32 or float64, got ",
             t.defined() ? dtype_name(t.dtype()) : "an undefined tensor", " ",
             t.defined() ? shape_str(t.shape()) : "");
}

void check_same_shape(const char* loss, const char* a_name, const Tensor& a, const char* b_name, const Tensor& b) {
  HEED_CHECK(a.shape() == b.shape(), loss, ": ", a_name, " ", shape_str(a.shape()), " and ", b_name, " ",
             shape_str(b.shape()), " differ in shape; expected equal shapes");
}

// Targets (...) must be integer class ids shaped like scores (..., C) without the class dim.
void check_target_shape(const char* loss, const char* scores_name, const Tensor& scores, const Tensor& targets) {
  HEED_CHECK(targets.dtype() == DType::Int64 || targets.dtype() == DType::Int32, loss, ": targets must be int64 ",
             "class ids, got ", dtype_name(targets.dtype()), " ", shape_str(targets.shape()),
             "; convert with .to(DType::Int64)");
  const Shape leading(scores.shape().begin(), scores.shape().end() - 1);
  HEED_CHECK(targets.shape() == leading, loss, ": ", scores_name, " ", shape_str(scores.shape()), " and targets ",
             shape_str(targets.shape()), " do not match; expected targets of shape ", shape_str(leading),
             " (", scores_name, " without its last, class dim)");
}

// Every id in [0, C). This reads two numbers back from the device (min and
// max), so a bad id fails here, by its value, rather than deep inside gather.
void check_target_range(const char* loss, const Tensor& ids, std::int64_t num_classes, std::int64_t ignore_index) {
  if (ids.numel() == 0) return;
  const auto lowest = static_cast<std::int64_t>(ops::min(ids).item());
  const auto highest = static_cast<std::int64_t>(ops::max(ids).item());
  const std::int64_t bad = lowest < 0 ? lowest : highest;
  HEED_CHECK(lowest >= 0 && highest < num_classes, loss, ": target class ", bad, " is out of range for ",
             num_classes, " classes; expected 0 <= target < ", num_classes, ", or ignore_index (", ignore_index,
             ") to skip a position");
}

// The shared body of cross_entropy and nll_loss, from log-probabilities (..., C).
Tensor class_loss(const char* loss, const char* scores_name, const Tensor& log_probs, const Tensor& targets,
                  std::int64_t ignore_index, double label_smoothing, Reduction reduction) {
  check_target_shape(loss, scores_name, log_probs, targets);
  const std::int64_t num_classes = log_probs.size(-1);
  const Tensor flat_log_probs = log_probs.reshape({-1, num_classes});  // (N, C)
  const Tensor flat_targets = ops::reshape(targets, {-1});            // (N)
  const Tensor ignore = scalar_tensor(static_cast<double>(ignore_index), targets.dtype(), targets.device());
  const Tensor is_counted = ops::ne(flat_targets, ignore);  // (N), 1 where the target takes part
  // Ignored positions look up class 0 instead, so gather stays in range; their loss is dropped below.
  const Tensor safe_targets =
      ops::where(is_counted, flat_targets, scalar_tensor(0, targets.dtype(), targets.device()));  // (N)
  check_target_range(loss, safe_targets, num_classes, ignore_index);

  const Tensor target_log_prob = squeeze(gather(flat_log_probs, 1, ops::unsqueeze(safe_targets, 1)), 1);  // (N)
  Tensor per_target = -target_log_prob;                                                                  // (N)
  if (label_smoothing > 0) {
    // Smoothing moves eps of the target's probability mass to a uniform spread over all C classes.
    per_target = per_target * (1.0 - label_smoothing) - mean(flat_log_probs, {1}) * label_smoothing;
  }
  // where, not a multiply by the mask: an ignored row may hold -inf log-probabilities.
  per_target = where(is_counted, per_target, scalar_tensor(0, log_probs.dtype(), log_probs.device()));

  switch (reduction) {
    case Reduction::None: return per_target.reshape(targets.shape());  // targets' shape
    case Reduction::Sum: return sum(per_target);
    case Reduction::Mean: break;
  }
  const Tensor num_counted = ops::sum(ops::to(is_counted, log_probs.dtype()));  // (), NaN result when 0, as PyTorch
  return sum(per_target) / num_counted;
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index, double label_smoothing,
                     Reduction reduction) {
  check_floating("cross_entropy", "logits", logits);
  HEED_CHECK(logits.dim() >= 1, "cross_entropy: logits are a scalar; expected (..., C) class scores");
  HEED_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy: label_smoothing = ", label_smoothing,
             "; expected a value in [0, 1]");
  return class_loss("cross_entropy", "logits", log_softmax(logits, -1), targets, ignore_index, label_smoothing,
                    reduction);
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& targets, std::int64_t ignore_index, Reduction reduction) {
  check_floating("nll_loss", "log_probs", log_probs);
  HEED_CHECK(log_probs.dim() >= 1, "nll_loss: log_probs are a scalar; expected (..., C) log-probabilities");
  return class_loss("nll_loss", "log_probs", log_probs, targets, ignore_index, 0.0, reduction);
}

Tensor mse_loss(const Tensor& prediction, const Tensor& target, Reduction reduction) {
  check_floating("mse_loss", "prediction", prediction);
  check_floating("mse_loss", "target", target);
  check_same_shape("mse_loss", "prediction", prediction, "target", target);
  return reduce(square(prediction - target), reduction);
}

Tensor bce_with_logits(const Tensor& logits, const Tensor& targets, Reduction reduction, const Tensor& pos_weight) {
  check_floating("bce_with_logits", "logits", logits);
  check_floating("bce_with_logits", "targets", targets);
  check_same_shape("bce_with_logits", "logits", logits, "targets", targets);
  const Tensor zero = scalar_tensor(0, logits.dtype(), logits.device());
  // log(1 + e^-|x|) never overflows; maximum (not relu) splits the gradient at x = 0, where the
  // kinks of max and |x| cancel, so the gradient there is the true sigmoid(0) - y.
  const Tensor log_one_plus_exp = log(exp(-abs(logits)) + 1.0);
  if (!pos_weight.defined())
    return reduce(maximum(logits, zero) - logits * targets + log_one_plus_exp, reduction);

  check_floating("bce_with_logits", "pos_weight", pos_weight);
  const bool broadcasts = pos_weight.dim() <= logits.dim() &&
                          std::equal(pos_weight.shape().rbegin(), pos_weight.shape().rend(), logits.shape().rbegin(),
                                     [](std::int64_t p, std::int64_t l) { return p == l || p == 1; });
  HEED_CHECK(broadcasts, "bce_with_logits: pos_weight ", shape_str(pos_weight.shape()),
             " does not broadcast to logits ", shape_str(logits.shape()), "; expected (C) for logits (..., C)");
  const Tensor softplus_of_minus_x = maximum(-logits, zero) + log_one_plus_exp;  // -log sigmoid(x)
  const Tensor positive_weight = (pos_weight - 1.0) * targets + 1.0;             // 1 + (p - 1) y
  return reduce((1.0 - targets) * logits + positive_weight * softplus_of_minus_x, reduction);
}

}  // namespace heed
