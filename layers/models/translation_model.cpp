#include "layers/models/translation_model.h"

#include <algorithm>
#include <vector>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace heed {

namespace {

// x (1, ..., L_b, S_b) copied into zeros of (1, ..., longest, source_len): the
// last two dims are output steps and source positions.
Tensor pad_last_two(const Tensor& x, std::int64_t longest, std::int64_t source_len) {
  Shape shape = x.shape();
  shape[shape.size() - 2] = longest;
  shape[shape.size() - 1] = source_len;
  Tensor padded = zeros(shape, x.dtype(), x.device());
  Tensor window = ops::narrow(ops::narrow(padded, -2, 0, x.size(-2)), -1, 0, x.size(-1));
  ops::copy_(window, x);
  return padded;
}

}  // namespace

Translation TranslationModel::beam_search(const Tensor& src, const Tensor& src_lengths, std::int64_t beam_size,
                                          std::int64_t max_len, double length_penalty) {
  HEED_CHECK(src.dim() == 2 && !is_floating(src.dtype()), "beam_search: src must be token ids (batch, source_len), ",
             "got ", dtype_name(src.dtype()), " ", shape_str(src.shape()));
  HEED_CHECK(beam_size > 0 && max_len > 0, "beam_search: beam_size and max_len must be positive, got ", beam_size,
             " and ", max_len);
  NoGradGuard no_grad;
  const std::int64_t batch = src.size(0), source_len = src.size(1);
  std::vector<std::int64_t> lengths;
  if (src_lengths.defined()) {
    lengths = ops::to(src_lengths, kCPU).to_vector<std::int64_t>();
  } else {  // count the non-pad tokens of each row
    const Tensor real = ops::ne(src, scalar_tensor(static_cast<double>(kPad), src.dtype(), src.device()));
    lengths = ops::to(ops::sum(real, {1}), kCPU).to_vector<std::int64_t>();
  }
  HEED_CHECK(static_cast<std::int64_t>(lengths.size()) == batch, "beam_search: ", lengths.size(),
             " lengths for a batch of ", batch);

  std::vector<Translation> sentences;
  std::int64_t longest = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    HEED_CHECK(lengths[b] >= 1 && lengths[b] <= source_len, "beam_search: sentence ", b, " has length ", lengths[b],
               "; expected 1 to ", source_len);
    // The sentence alone, cut to its real tokens: no padding, so no mask.
    const Tensor sentence = ops::narrow(ops::narrow(src, 0, b, 1), 1, 0, lengths[b]);  // (1, S_b)
    sentences.push_back(beam_search_one(sentence, beam_size, max_len, length_penalty));
    longest = std::max(longest, sentences.back().tokens.size(1));
  }

  // Every sentence padded to `longest` tokens and `source_len` source positions, then stacked.
  std::vector<Tensor> tokens, weights, heads;
  for (const Translation& one : sentences) {
    Tensor padded_tokens = full({1, longest}, static_cast<double>(kPad), DType::Int64, src.device());
    Tensor token_window = ops::narrow(padded_tokens, 1, 0, one.tokens.size(1));
    ops::copy_(token_window, one.tokens);
    tokens.push_back(padded_tokens);
    if (one.attention.defined()) weights.push_back(pad_last_two(one.attention, longest, source_len));
    if (one.attention_heads.defined()) heads.push_back(pad_last_two(one.attention_heads, longest, source_len));
  }
  Translation result;
  result.tokens = ops::concat(tokens, 0);                                 // (B, L)
  if (!weights.empty()) result.attention = ops::concat(weights, 0);       // (B, L, S)
  if (!heads.empty()) result.attention_heads = ops::concat(heads, 0);     // (B, H, L, S)
  return result;
}

}  // namespace heed
