#include "layers/module.h"

#include <set>

#include "autograd/grad_mode.h"
#include "tensor/ops.h"

namespace heed {

Tensor Module::forward(const Tensor&) {
  detail::fail(type_name_, ": this module has no one-input forward(); call its own forward(...) overload");
}

void Module::check_new_name(const std::string& name) const {
  HEED_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name_, ": invalid name '", name,
             "' (names must be non-empty and contain no '.')");
  auto taken = [&](const auto& list) {
    for (const auto& [n, _] : list)
      if (n == name) return true;
    return false;
  };
  HEED_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), type_name_, ": the name '", name,
             "' is registered twice");
}

std::shared_ptr<Module>& Module::child_slot(const std::string& name) {
  for (auto& [n, child] : children_)
    if (n == name) return child;
  detail::fail(type_name_, ": no child module named '", name, "' to replace");
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_new_name(name);
  HEED_CHECK(is_floating(value.dtype()), type_name_, ": parameter '", name, "' must be float32 or float64, got ",
             dtype_name(value.dtype()));
  value = value.is_leaf() ? value : value.detach();
  value.requires_grad_();
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value) {
  check_new_name(name);
  buffers_.emplace_back(name, value);
  return value;
}

void Module::set_buffer(const std::string& name, const Tensor& value) {
  for (auto& [n, t] : buffers_) {
    if (n == name) {
      t = value;
      return;
    }
  }
  detail::fail(type_name_, ": no buffer named '", name, "'");
}

void Module::collect(const std::string& prefix, NamedTensors& params, NamedTensors* buffers) const {
  for (const auto& [name, t] : parameters_) params.emplace_back(prefix + name, t);
  if (buffers)
    for (const auto& [name, t] : buffers_) buffers->emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", params, buffers);
}

NamedTensors Module::named_parameters() const {
  NamedTensors params;
  collect("", params, nullptr);
  return params;
}

NamedTensors Module::named_buffers() const {
  NamedTensors params, buffers;
  collect("", params, &buffers);
  return buffers;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters()) out.push_back(t);
  return out;
}

std::int64_t Module::num_parameters() const {
  std::int64_t n = 0;
  for (const Tensor& t : parameters()) n += t.numel();
  return n;
}

NamedTensors Module::state_dict() const {
  NamedTensors state, buffers;
  collect("", state, &buffers);
  state.insert(state.end(), buffers.begin(), buffers.end());
  return state;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict();
  std::set<std::string> expected, given;
  for (const auto& [name, _] : own) expected.insert(name);
  for (const auto& [name, _] : state) given.insert(name);
  if (strict) {
    for (const auto& name : expected)
      HEED_CHECK(given.count(name), "load_state_dict: missing key '", name, "' for ", type_name_,
                 "; the checkpoint was saved from a different model or configuration");
    for (const auto& name : given)
      HEED_CHECK(expected.count(name), "load_state_dict: unexpected key '", name, "' for ", type_name_,
                 "; the checkpoint was saved from a different model or configuration");
  }
  NoGradGuard no_grad;
  for (auto& [name, target] : own) {
    for (const auto& [key, value] : state) {
      if (key != name) continue;
      HEED_CHECK(value.shape() == target.shape(), "load_state_dict: '", name, "' has shape ",
                 shape_str(value.shape()), " in the state but ", shape_str(target.shape()), " in the model");
      ops::copy_(target, value.device() == target.device() ? value : ops::to(value, target.device()));
      break;
    }
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& t : parameters()) t.zero_grad();
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& layers) : Sequential() {
  for (const auto& layer : layers) push_back(layer);
}

void Sequential::push_back(std::shared_ptr<Module> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& layer : layers_) x = layer->forward(x);
  return x;
}

}  // namespace heed
