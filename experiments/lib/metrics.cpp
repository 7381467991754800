#include "experiments/lib/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace heed::experiments {

Ids strip_at_eos(const Ids& ids, std::int64_t eos) {
  const auto end = std::find(ids.begin(), ids.end(), eos);
  return Ids(ids.begin(), end);
}

void SequenceScores::add(const Ids& predicted, const Ids& reference) {
  ++sentences;
  exact += predicted == reference ? 1 : 0;
  // Position by position, the final <eos> included: a prediction that stops
  // early or runs on loses that position too.
  for (std::size_t t = 0; t <= reference.size(); ++t) {
    const std::int64_t want = t < reference.size() ? reference[t] : -1;  // -1 stands for <eos>
    const std::int64_t got = t < predicted.size() ? predicted[t] : (t == predicted.size() ? -1 : -2);
    ++tokens;
    tokens_correct += want == got ? 1 : 0;
  }
}

double corpus_bleu(const std::vector<Ids>& predictions, const std::vector<Ids>& references) {
  double log_precision_sum = 0;
  std::int64_t candidate_length = 0, reference_length = 0;
  for (int n = 1; n <= 4; ++n) {
    std::int64_t matched = 0, total = 0;
    for (std::size_t s = 0; s < predictions.size(); ++s) {
      std::map<Ids, std::int64_t> reference_counts;
      const Ids& ref = references[s];
      const Ids& hyp = predictions[s];
      for (std::size_t i = 0; i + n <= ref.size(); ++i) ++reference_counts[Ids(ref.begin() + i, ref.begin() + i + n)];
      std::map<Ids, std::int64_t> hypothesis_counts;
      for (std::size_t i = 0; i + n <= hyp.size(); ++i) ++hypothesis_counts[Ids(hyp.begin() + i, hyp.begin() + i + n)];
      for (const auto& [gram, count] : hypothesis_counts) {
        const auto it = reference_counts.find(gram);
        matched += std::min(count, it == reference_counts.end() ? 0 : it->second);  // clipped counts
        total += count;
      }
      if (n == 1) {
        candidate_length += static_cast<std::int64_t>(hyp.size());
        reference_length += static_cast<std::int64_t>(ref.size());
      }
    }
    if (matched == 0 || total == 0) return 0.0;
    log_precision_sum += std::log(static_cast<double>(matched) / static_cast<double>(total));
  }
  const double brevity = candidate_length >= reference_length
                             ? 1.0
                             : std::exp(1.0 - static_cast<double>(reference_length) /
                                                  static_cast<double>(std::max<std::int64_t>(candidate_length, 1)));
  return 100.0 * brevity * std::exp(log_precision_sum / 4.0);
}

}  // namespace heed::experiments
