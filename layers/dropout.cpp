#include "layers/dropout.h"

namespace heed {

Dropout::Dropout(double probability, Generator& gen) : Module("Dropout"), p(probability), gen_(&gen) {
  // p = 1 would drop everything and scale by 1/0.
  HEED_CHECK(p >= 0.0 && p < 1.0, "Dropout: p = ", p, " is the probability of zeroing an element; expected 0 <= p < 1");
}

Tensor Dropout::forward(const Tensor& input) {
  if (!is_training() || p == 0.0) return input;
  HEED_CHECK(is_floating(input.dtype()), "Dropout: input is ", dtype_name(input.dtype()), " ",
             shape_str(input.shape()), "; expected float32 or float64");
  // u ~ U[0, 1) keeps an element when u >= p, which happens with probability 1 - p.
  const Tensor draws = rand(input.shape(), *gen_, input.dtype(), input.device());
  const Tensor keep = ge(draws, scalar_tensor(p, input.dtype(), input.device()));  // 1 or 0, input's dtype
  return input * (keep * (1.0 / (1.0 - p)));
}

}  // namespace heed
