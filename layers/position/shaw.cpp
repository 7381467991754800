#include "layers/position/shaw.h"

#include "layers/init.h"

namespace heed {

ShawRelativePosition::ShawRelativePosition(const PositionConfig& config, Generator& gen)
    : PositionalEncoding("ShawRelativePosition"), max_distance(config.max_distance), head_dim(config.per_head()) {
  HEED_CHECK(max_distance >= 0 && head_dim > 0,
             "ShawRelativePosition: needs max_distance >= 0 and a head size > 0, got max_distance = ",
             max_distance, ", head size = ", head_dim,
             "; set PositionConfig.max_distance and .model_dim with .heads (or .head_dim)");
  key_rows = register_parameter("key_rows", empty({2 * max_distance + 1, head_dim}, config.dtype));
  value_rows = register_parameter("value_rows", empty({2 * max_distance + 1, head_dim}, config.dtype));
  xavier_uniform_(key_rows, gen);
  xavier_uniform_(value_rows, gen);
}

Tensor ShawRelativePosition::table_rows(const Tensor& distances) const {
  HEED_CHECK(distances.dtype() == DType::Int64, "ShawRelativePosition: distances are ", dtype_name(distances.dtype()),
             " ", shape_str(distances.shape()), "; expected int64 (relative_distances() makes them)");
  const Tensor low = scalar_tensor(static_cast<double>(-max_distance), DType::Int64, distances.device());
  const Tensor high = scalar_tensor(static_cast<double>(max_distance), DType::Int64, distances.device());
  return minimum(maximum(distances, low), high) + static_cast<double>(max_distance);  // (S...) in [0, 2k]
}

Tensor ShawRelativePosition::key_table(const Tensor& distances) { return embedding(key_rows, table_rows(distances)); }

Tensor ShawRelativePosition::value_table(const Tensor& distances) {
  return embedding(value_rows, table_rows(distances));
}

}  // namespace heed
