#include "layers/position/learned.h"

#include "layers/init.h"

namespace heed {

LearnedPosition::LearnedPosition(const PositionConfig& config, Generator& gen)
    : PositionalEncoding("LearnedPosition"), max_len(config.max_len), model_dim(config.model_dim) {
  HEED_CHECK(max_len > 0 && model_dim > 0, "LearnedPosition: needs max_len > 0 and model_dim > 0, got max_len = ",
             max_len, ", model_dim = ", model_dim, "; set PositionConfig.max_len and .model_dim");
  table = register_parameter("table", empty({max_len, model_dim}, config.dtype));
  normal_(table, 0.0, 0.02, gen);
}

Tensor LearnedPosition::embed(const Tensor& x, std::int64_t offset) {
  HEED_CHECK(x.dim() == 3 && x.size(2) == model_dim, "LearnedPosition: input has shape ", shape_str(x.shape()),
             "; expected (batch, length, ", model_dim, ")");
  const std::int64_t length = x.size(1);
  HEED_CHECK(offset >= 0 && offset + length <= max_len, "LearnedPosition: positions [", offset, ", ",
             offset + length, ") of input ", shape_str(x.shape()), " go past max_len = ", max_len,
             "; the table has no row for them: build the encoding with a larger PositionConfig.max_len or use "
             "shorter sequences");
  return x + narrow(table, 0, offset, length);  // (B, T, D) + (T, D)
}

}  // namespace heed
