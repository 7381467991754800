// Transformer decoding: greedy for a batch, beam search one sentence at a time.
//
// Neither keeps a key/value cache: step t runs the decoder over the whole
// prefix <bos> y_1 .. y_t again and reads the logits of its last position.
// The causal mask makes position t's output independent of what follows it,
// so the recomputed rows equal the earlier steps' rows, and one last pass over
// the finished prefix gives every step's cross-attention at once.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/grad_mode.h"
#include "layers/models/transformer.h"
#include "tensor/ops.h"

namespace heed {

Translation Transformer::greedy_decode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                                       std::int64_t max_len) {
  HEED_CHECK(max_len > 0, "greedy_decode: max_len must be positive, got ", max_len);
  NoGradGuard no_grad;
  const Tensor mask = source_mask(src, src_lengths, src_mask);
  const Tensor memory = encode(src, mask);  // (B, S, D)
  const std::int64_t batch = src.size(0);

  std::vector<bool> finished(static_cast<std::size_t>(batch), false);
  std::vector<double> running;  // (L, B) flattened: 1 while a row had not finished before the step
  Tensor prefix = full({batch, 1}, static_cast<double>(kBos), DType::Int64, src.device());  // (B, t + 1)
  TranslationOutput last;
  for (std::int64_t t = 0; t < max_len; ++t) {
    last = decode(prefix, memory, mask, /*keep_weights=*/true);
    const Tensor step_logits = ops::select(last.logits, 1, t);  // (B, V)
    std::vector<std::int64_t> next = ops::to(ops::argmax(step_logits, -1), kCPU).to_vector<std::int64_t>();
    for (std::size_t b = 0; b < next.size(); ++b) {
      running.push_back(finished[b] ? 0.0 : 1.0);
      if (finished[b]) next[b] = kPad;
      if (next[b] == kEos) finished[b] = true;
    }
    prefix = ops::concat({prefix, from_vector(next, {batch, 1}, src.device())}, 1);
    if (std::all_of(finished.begin(), finished.end(), [](bool f) { return f; })) break;
  }
  const std::int64_t steps = prefix.size(1) - 1;
  Translation result;
  result.tokens = ops::contiguous(ops::narrow(prefix, 1, 1, steps));  // (B, L)
  if (last.attention_heads.defined()) {
    // The last pass covered <bos> y_1 .. y_{L-1}: row t is the attention that chose y_{t+1}.
    const Tensor still_running = ops::to(ops::transpose(from_vector(running, {steps, batch}, src.device()), 0, 1),
                                         config.dtype);                              // (B, L)
    result.attention_heads = last.attention_heads * reshape(still_running, {batch, 1, steps, 1});  // (B, H, L, S)
    result.attention = last.attention * unsqueeze(still_running, -1);                             // (B, L, S)
  }
  return result;
}

Translation Transformer::beam_search_one(const Tensor& src, std::int64_t beam_size, std::int64_t max_len,
                                         double length_penalty) {
  struct Hypothesis {
    std::vector<std::int64_t> tokens;  // y_1 .. y_t, without <bos>
    double log_prob = 0;
  };
  const Tensor memory = encode(src, Tensor());  // (1, S, D)
  auto normalized = [&](const Hypothesis& h) {
    return h.log_prob / std::pow(static_cast<double>(h.tokens.size()), length_penalty);
  };
  auto prefixes = [&](const std::vector<Hypothesis>& hypotheses) {  // (K, t + 1): <bos> y_1 .. y_t per row
    std::vector<std::int64_t> ids;
    for (const Hypothesis& h : hypotheses) {
      ids.push_back(kBos);
      ids.insert(ids.end(), h.tokens.begin(), h.tokens.end());
    }
    const auto rows = static_cast<std::int64_t>(hypotheses.size());
    return from_vector(ids, {rows, static_cast<std::int64_t>(ids.size()) / rows}, src.device());
  };

  std::vector<Hypothesis> live(1), finished;
  for (std::int64_t t = 0; t < max_len && !live.empty(); ++t) {
    const auto beams = static_cast<std::int64_t>(live.size());
    const Tensor beam_memory =
        ops::contiguous(ops::expand(memory, {beams, memory.size(1), memory.size(2)}));  // (K, S, D)
    const Tensor logits = decode(prefixes(live), beam_memory, Tensor(), /*keep_weights=*/false).logits;
    const Tensor log_probs = log_softmax(ops::select(logits, 1, t), -1);  // (K, V)
    const std::vector<double> scores = ops::to(log_probs, kCPU).to_vector<double>();

    // The best continuations over every (hypothesis, token) pair, as many as
    // the beam has open slots. Equal scores go to the lower index, as argmax
    // does, so beam_size 1 reproduces greedy decoding.
    const std::int64_t vocab = log_probs.size(1);
    auto total = [&](std::int64_t i) { return live[static_cast<std::size_t>(i / vocab)].log_prob + scores[i]; };
    std::vector<std::int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const std::int64_t open_slots = beam_size - static_cast<std::int64_t>(finished.size());
    const std::int64_t keep = std::min<std::int64_t>(open_slots, static_cast<std::int64_t>(order.size()));
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), [&](std::int64_t a, std::int64_t b) {
      return total(a) > total(b) || (total(a) == total(b) && a < b);
    });
    // A hypothesis that emits <eos> is finished and takes its slot with it: the beam shrinks.
    std::vector<Hypothesis> next_live;
    for (std::int64_t i = 0; i < keep; ++i) {
      Hypothesis h = live[static_cast<std::size_t>(order[i] / vocab)];
      h.tokens.push_back(order[i] % vocab);
      h.log_prob = total(order[i]);
      (h.tokens.back() == kEos ? finished : next_live).push_back(std::move(h));
    }
    live = std::move(next_live);
  }
  for (Hypothesis& h : live) finished.push_back(std::move(h));  // cut at max_len: ranked with the rest

  const Hypothesis& best = *std::max_element(finished.begin(), finished.end(), [&](const auto& a, const auto& b) {
    return normalized(a) < normalized(b);
  });
  Translation result;
  result.tokens = from_vector(best.tokens, {1, static_cast<std::int64_t>(best.tokens.size())}, src.device());
  // One pass over <bos> y_1 .. y_{L-1} gives the cross-attention of every step.
  Hypothesis inputs = best;
  inputs.tokens.pop_back();
  const TranslationOutput pass = decode(prefixes({inputs}), memory, Tensor(), /*keep_weights=*/true);
  result.attention_heads = pass.attention_heads;  // (1, H, L, S_b) or undefined
  result.attention = pass.attention;              // (1, L, S_b)
  return result;
}

}  // namespace heed
