// No positional encoding (P1, "NoPE"): the tokens carry no position at all.
//
// An encoder without positions sees a bag of tokens. A causal decoder still
// learns order, because token i can count how many tokens it may attend to.
// The baseline every encoding is compared against.
//
// Kazemnejad et al. 2023, "The Impact of Positional Encoding on Length
// Generalization in Transformers".
#pragma once

#include "layers/position/positional_encoding.h"
#include "tensor/random.h"

namespace heed {

class NoPosition : public PositionalEncoding {
 public:
  explicit NoPosition(const PositionConfig& = {}, Generator& = default_generator()) : PositionalEncoding("NoPosition") {}
  PositionKind kind() const override { return PositionKind::None; }
};

}  // namespace heed
