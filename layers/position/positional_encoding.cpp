#include "layers/position/positional_encoding.h"

namespace heed {

std::string position_kind_name(PositionKind kind) {
  switch (kind) {
    case PositionKind::None: return "none";
    case PositionKind::Absolute: return "absolute";
    case PositionKind::Rotary: return "rotary";
    case PositionKind::ScoreBias: return "score bias";
    case PositionKind::Relative: return "relative";
  }
  return "?";
}

bool acts_inside_attention(PositionKind kind) {
  return kind == PositionKind::Rotary || kind == PositionKind::ScoreBias || kind == PositionKind::Relative;
}

Tensor PositionalEncoding::embed(const Tensor& x, std::int64_t) { return x; }
Tensor PositionalEncoding::rotate(const Tensor& x, const Tensor&) { return x; }
Tensor PositionalEncoding::score_bias(const Tensor&) { return {}; }
Tensor PositionalEncoding::key_table(const Tensor&) { return {}; }
Tensor PositionalEncoding::value_table(const Tensor&) { return {}; }

Tensor position_ids(std::int64_t n, std::int64_t offset) {
  return arange(static_cast<double>(offset), static_cast<double>(offset + n), 1, DType::Int64);
}

Tensor relative_distances(std::int64_t query_len, std::int64_t key_len, std::int64_t query_offset) {
  const Tensor queries = unsqueeze(position_ids(query_len, query_offset), 1);  // (Tq, 1)
  const Tensor keys = unsqueeze(position_ids(key_len), 0);                     // (1, Tk)
  return keys - queries;                                                       // (Tq, Tk)
}

}  // namespace heed
