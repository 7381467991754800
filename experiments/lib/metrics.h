// Scores for predicted sequences against references, on token ids.
//
//   exact match     the share of sentences predicted entirely right (up to <eos>)
//   token accuracy  the share of reference positions (each target token and the
//                   final <eos>) where the prediction has the same token
//   corpus BLEU     Papineni et al. 2002: the geometric mean of clipped n-gram
//                   precisions (n = 1..4) over the whole corpus, times the
//                   brevity penalty min(1, exp(1 - r/c)); 0..100
#pragma once

#include <cstdint>
#include <vector>

namespace heed::experiments {

using Ids = std::vector<std::int64_t>;

// Sequences are cut at their first <eos> (id 2) before comparing.
Ids strip_at_eos(const Ids& ids, std::int64_t eos = 2);

struct SequenceScores {
  std::int64_t sentences = 0;
  std::int64_t exact = 0;
  std::int64_t tokens = 0;          // reference positions counted
  std::int64_t tokens_correct = 0;
  void add(const Ids& predicted, const Ids& reference);  // both already without <bos>, cut at <eos>
  double exact_match() const { return sentences ? static_cast<double>(exact) / static_cast<double>(sentences) : 0.0; }
  double token_accuracy() const {
    return tokens ? static_cast<double>(tokens_correct) / static_cast<double>(tokens) : 0.0;
  }
};

double corpus_bleu(const std::vector<Ids>& predictions, const std::vector<Ids>& references);

}  // namespace heed::experiments
