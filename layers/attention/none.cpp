#include "layers/attention/none.h"

namespace heed {

NoAttention::NoAttention(const SequenceAttentionConfig&, Generator&) : SequenceAttention("NoAttention") {}

AttentionResult NoAttention::attend(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  return {};  // no context, no weights: the decoder sees only the encoder's final state
}

std::string NoAttention::weights_note() const {
  return "no attention: the decoder reads only the encoder's final state, so no output token is ever weighed "
         "against the source tokens.";
}

}  // namespace heed
