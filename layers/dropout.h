// Dropout: randomly zero activations during training, as a regularizer.
//
//   training:    y = x * m / (1 - p),   m_i ~ Bernoulli(1 - p), drawn fresh each call
//   evaluation:  y = x
//
//   x, y  any shape
//
// "Inverted" dropout scales the kept values by 1/(1-p) while training, so
// E[y] = x and evaluation needs no rescaling at all.
// Srivastava et al. 2014, "Dropout: A Simple Way to Prevent Neural Networks
// from Overfitting", JMLR 15.
//
// The mask comes from the Generator given at construction, which the layer
// keeps by reference: it must outlive the layer, and reseeding it replays the
// same masks (what makes a run reproducible and a gradient check possible).
#pragma once

#include "layers/module.h"
#include "tensor/random.h"

namespace heed {

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator& gen = default_generator());

  Tensor forward(const Tensor& input) override;

  double p;  // probability of zeroing an element, in [0, 1)

 private:
  Generator* gen_;
};

}  // namespace heed
