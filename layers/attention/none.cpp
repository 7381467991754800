#include "layers/attention/none.h"

namespace heed {

NoAttention::NoAttention(const SequenceAttentionConfig&, Generator&) : SequenceAttention("NoAttention") {}

AttentionResult NoAttention::attend(const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  return {};  // no context, no weights: the decoder sees only the encoder's final state
}

}  // namespace heed
