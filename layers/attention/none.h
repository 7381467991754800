// No attention: the baseline every attention variant is compared against.
//
//   c = (nothing)
//
// The decoder gets no context at all: everything it knows about the source
// is the encoder's final state, handed over once as its initial state. This
// is the encoder-decoder of Sutskever et al. 2014 and Cho et al. 2014, whose
// fixed-size summary of the whole sentence is the bottleneck that attention
// was invented to remove (its translations degrade as sentences get longer).
//
//   attend() returns an undefined context and undefined weights: there is no
//   attention map to draw, and produces_context() says so to the decoder, so
//   it builds its input without a context slot.
//
// Sutskever, Vinyals & Le 2014, "Sequence to Sequence Learning with Neural
// Networks", NeurIPS; Cho et al. 2014, EMNLP.
#pragma once

#include "layers/attention/sequence_attention.h"
#include "tensor/random.h"

namespace heed {

class NoAttention : public SequenceAttention {
 public:
  explicit NoAttention(const SequenceAttentionConfig& config = {}, Generator& gen = default_generator());

  AttentionResult attend(const Tensor& query, const Tensor& keys, const Tensor& values, const Tensor& mask) override;
  bool produces_context() const override { return false; }
  std::string weights_note() const override;
};

}  // namespace heed
