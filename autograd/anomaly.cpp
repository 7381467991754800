// Anomaly detection (anomaly.h): the checks, and where in the model an op sits.
#include "autograd/anomaly.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "autograd/function.h"
#include "tensor/ops.h"

namespace heed {

namespace {

// The names DetectAnomalyGuard was given, by the parameter's autograd metadata.
// The map keeps the metadata alive, so an address is never reused for another tensor.
struct ParameterNames {
  std::unordered_map<const AutogradMeta*, std::string> by_meta;
  std::vector<std::shared_ptr<AutogradMeta>> kept;
};

ParameterNames& parameter_names() {
  static ParameterNames names;
  return names;
}

struct NonFinite {
  std::int64_t index;  // row-major
  bool is_nan;         // else +-Inf
};

// The first NaN in t, else its first Inf, if any. x * 0 is 0 for every finite x
// and NaN for NaN and +-Inf, so one product and one sum on the tensor's own
// device say whether there is any; only then are the values read on the host.
std::optional<NonFinite> first_non_finite(const Tensor& t) {
  if (!t.defined() || !is_floating(t.dtype()) || t.numel() == 0) return std::nullopt;
  if (std::isfinite(ops::sum(ops::mul(t, 0.0)).item())) return std::nullopt;
  const std::vector<double> values = t.to_vector<double>();
  std::optional<NonFinite> first_inf;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) return NonFinite{static_cast<std::int64_t>(i), true};
    if (!first_inf && std::isinf(values[i])) first_inf = NonFinite{static_cast<std::int64_t>(i), false};
  }
  return first_inf;
}

// Ops whose Inf is the value they were asked to write: masks fill scores with -Inf on purpose.
bool writes_infinity_on_purpose(const char* name) { return std::string_view(name) == "masked_fill"; }

// The module two parameter names share: "enc.layers.0.q.weight", "enc.layers.0.k.bias" -> "enc.layers.0".
std::string common_module(const std::vector<std::string>& names) {
  auto module_parts = [](const std::string& name) {
    std::vector<std::string> parts;
    std::stringstream in(name);
    for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
    if (!parts.empty()) parts.pop_back();  // the tensor's own name
    return parts;
  };
  std::vector<std::string> shared = module_parts(names.front());
  for (const std::string& name : names) {
    const std::vector<std::string> parts = module_parts(name);
    std::size_t same = 0;
    while (same < shared.size() && same < parts.size() && shared[same] == parts[same]) ++same;
    shared.resize(same);
  }
  std::string joined;
  for (const std::string& part : shared) joined += (joined.empty() ? "" : ".") + part;
  return joined;
}

// Walks the graph back from `start`, one hop at a time, to the nearest named
// parameters, and says which module holds them.
std::string where_in_model(std::vector<autograd::Edge> level) {
  const ParameterNames& names = parameter_names();
  if (names.by_meta.empty()) return "unknown (name the parameters: DetectAnomalyGuard(model.named_parameters()))";
  std::unordered_set<const autograd::Node*> seen;
  constexpr std::size_t kMostNodes = 100000;  // a bound on the walk, far above any model here
  while (!level.empty() && seen.size() < kMostNodes) {
    std::vector<std::string> found;
    std::vector<autograd::Edge> next;
    for (const autograd::Edge& e : level) {
      if (e.leaf) {
        if (auto it = names.by_meta.find(e.leaf.get()); it != names.by_meta.end()) found.push_back(it->second);
      } else if (e.fn && seen.insert(e.fn.get()).second) {
        next.insert(next.end(), e.fn->inputs().begin(), e.fn->inputs().end());
      }
    }
    if (!found.empty()) {
      std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end()), found.end());
      const std::string module = common_module(found);
      std::ostringstream out;
      out << (module.empty() ? "the model's top level" : module) << " (parameters nearest to it: ";
      for (std::size_t i = 0; i < found.size() && i < 4; ++i) out << (i ? ", " : "") << found[i];
      if (found.size() > 4) out << ", and " << found.size() - 4 << " more";
      out << ")";
      return out.str();
    }
    level = std::move(next);
  }
  return "unknown (no named parameter leads to this op; it was recorded without gradients, or from inputs only)";
}

std::string shapes_of(const std::vector<Shape>& shapes) {
  std::string out;
  for (const Shape& s : shapes) out += (out.empty() ? "" : ", ") + shape_str(s);
  return out.empty() ? "none" : out;
}

}  // namespace

DetectAnomalyGuard::DetectAnomalyGuard(const std::vector<std::pair<std::string, Tensor>>& parameters)
    : previous_(AnomalyMode::enabled_) {
  ParameterNames& names = parameter_names();
  for (const auto& [name, tensor] : parameters) {
    const std::shared_ptr<AutogradMeta>& meta = tensor.impl().autograd;
    if (!meta) continue;  // a tensor that takes no part in autograd is never on a path to an op
    names.by_meta[meta.get()] = name;
    names.kept.push_back(meta);
  }
  AnomalyMode::enabled_ = true;
}

DetectAnomalyGuard::~DetectAnomalyGuard() {
  AnomalyMode::enabled_ = previous_;
  if (!previous_) parameter_names() = {};
}

namespace autograd {

void check_forward_anomaly(const char* name, const Tensor& output, const Tensor* inputs, std::size_t count) {
  const std::optional<NonFinite> bad = first_non_finite(output);
  if (!bad) return;
  std::vector<Shape> input_shapes;
  std::vector<Edge> edges;
  bool inputs_hold_infinity = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (!inputs[i].defined()) continue;
    input_shapes.push_back(inputs[i].shape());
    edges.push_back(edge_to(inputs[i]));
    if (!bad->is_nan && first_non_finite(inputs[i])) inputs_hold_infinity = true;
  }
  // A NaN is always an anomaly. An Inf is one when this op made it from finite
  // inputs (exp overflowing, log of 0, a division by 0); a masked score carried
  // on from a mask to the softmax that zeroes it is not.
  if (!bad->is_nan && (inputs_hold_infinity || writes_infinity_on_purpose(name))) return;
  detail::fail("anomaly detected: '", name, "' made ", bad->is_nan ? "NaN" : "Inf", " in forward (first at element ",
               bad->index, " of its ", shape_str(output.shape()), " output); its inputs: ", shapes_of(input_shapes),
               "; in the model: ", where_in_model(std::move(edges)));
}

void check_backward_anomaly(Node& node, std::size_t input, const Tensor& gradient) {
  const std::optional<NonFinite> bad = first_non_finite(gradient);
  if (!bad) return;
  std::vector<Shape> input_shapes;
  for (const Edge& e : node.inputs()) input_shapes.push_back(e.shape);
  detail::fail("anomaly detected: the backward of '", node.name(), "' made ", bad->is_nan ? "NaN" : "Inf",
               " in the gradient of its input ", input, " (first at element ", bad->index, " of the ",
               shape_str(gradient.shape()), " gradient); its inputs: ", shapes_of(input_shapes),
               "; in the model: ", where_in_model(node.inputs()));
}

}  // namespace autograd
}  // namespace heed
