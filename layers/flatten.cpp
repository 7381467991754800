#include "layers/flatten.h"

namespace heed {

Flatten::Flatten(std::int64_t start, std::int64_t end) : Module("Flatten"), start_dim(start), end_dim(end) {}

Tensor Flatten::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

}  // namespace heed
