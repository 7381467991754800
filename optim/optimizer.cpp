#include "optim/optimizer.h"

#include <map>
#include <set>

#include "autograd/grad_mode.h"
#include "tensor/backend.h"
#include "tensor/ops.h"

namespace heed::optim {

void scale_(Tensor& dst, double factor) { backend_for(dst.device()).unary(UnaryOp::MulScalar, dst, dst, factor); }

void add_scalar_(Tensor& dst, double value) { backend_for(dst.device()).unary(UnaryOp::AddScalar, dst, dst, value); }

void add_scaled_(Tensor& dst, const Tensor& src, double alpha) { ops::binary_(BinaryOp::AddScaled, dst, src, alpha); }

Optimizer::Optimizer(std::string name, std::vector<Tensor> params, double lr)
    : name_(std::move(name)), params_(std::move(params)), lr_(lr), update_counts_(params_.size(), 0) {
  HEED_CHECK(!params_.empty(), name_, ": got an empty parameter list; pass model.parameters()");
  for (std::size_t i = 0; i < params_.size(); ++i) {
    HEED_CHECK(params_[i].defined(), name_, ": parameter ", i, " is an undefined tensor");
    HEED_CHECK(is_floating(params_[i].dtype()), name_, ": parameter ", i, " is ", dtype_name(params_[i].dtype()),
               "; only float32 and float64 tensors can be trained");
  }
  set_lr(lr);
  register_hyperparameter("lr", &lr_);
}

void Optimizer::set_lr(double lr) {
  HEED_CHECK(lr >= 0, name_, ": learning rate ", lr, " is negative; expected lr >= 0");
  lr_ = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor grad = params_[i].grad();
    if (!grad.defined()) continue;
    HEED_CHECK(grad.shape() == params_[i].shape() && grad.dtype() == params_[i].dtype(), name_,
               ": parameter ", i, " is ", shape_str(params_[i].shape()), " ", dtype_name(params_[i].dtype()),
               " but its gradient is ", shape_str(grad.shape()), " ", dtype_name(grad.dtype()));
    update(params_[i], grad, i, ++update_counts_[i]);
  }
}

void Optimizer::zero_grad() {
  for (Tensor& p : params_) p.zero_grad();
}

void Optimizer::register_hyperparameter(const std::string& key, double* value) {
  hyperparameters_.push_back({key, value, nullptr});
}

void Optimizer::register_flag(const std::string& key, bool* value) {
  hyperparameters_.push_back({key, nullptr, value});
}

void Optimizer::register_state(const std::string& key, std::vector<Tensor>* slot) {
  slot->clear();
  for (const Tensor& p : params_) slot->push_back(zeros(p.shape(), p.dtype(), p.device()));
  state_slots_.push_back({key, slot});
}

NamedTensors Optimizer::current_state(bool snapshot) const {
  NamedTensors state;
  for (const Hyperparameter& h : hyperparameters_)
    state.emplace_back(key(h.key), scalar_tensor(h.number ? *h.number : (*h.flag ? 1.0 : 0.0), DType::Float64));
  state.emplace_back(key("step"), from_vector(update_counts_, {static_cast<std::int64_t>(update_counts_.size())}));
  for (const StateSlot& slot : state_slots_)
    for (std::size_t i = 0; i < slot.tensors->size(); ++i) {
      const Tensor& tensor = (*slot.tensors)[i];
      state.emplace_back(key(slot.key + "." + std::to_string(i)), snapshot ? ops::clone(tensor) : tensor);
    }
  return state;
}

NamedTensors Optimizer::state_dict() const { return current_state(/*snapshot=*/true); }

void Optimizer::load_state_dict(const NamedTensors& state) {
  const std::string hint = "; the state was saved from a different optimizer, configuration or model";
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, tensor] : state) {
    HEED_CHECK(given.emplace(name, &tensor).second, name_, ".load_state_dict: key '", name, "' appears twice");
  }
  const NamedTensors expected = current_state(/*snapshot=*/false);
  for (const auto& [name, own] : expected) {
    const auto found = given.find(name);
    HEED_CHECK(found != given.end(), name_, ".load_state_dict: missing key '", name, "'", hint);
    const Tensor& value = *found->second;
    HEED_CHECK(value.defined(), name_, ".load_state_dict: '", name, "' is an undefined tensor");
    HEED_CHECK(value.shape() == own.shape() && value.dtype() == own.dtype(), name_, ".load_state_dict: '", name,
               "' is ", shape_str(value.shape()), " ", dtype_name(value.dtype()), " in the state but ",
               shape_str(own.shape()), " ", dtype_name(own.dtype()), " here", hint);
  }
  if (given.size() != expected.size()) {
    std::set<std::string> known;
    for (const auto& [name, _] : expected) known.insert(name);
    for (const auto& [name, _] : given)
      HEED_CHECK(known.count(name), name_, ".load_state_dict: unexpected key '", name, "'", hint);
  }

  auto host_value = [&](const std::string& suffix) { return ops::to(*given.at(key(suffix)), kCPU); };
  const std::vector<std::int64_t> counts = host_value("step").to_vector<std::int64_t>();
  for (std::size_t i = 0; i < counts.size(); ++i)
    HEED_CHECK(counts[i] >= 0, name_, ".load_state_dict: '", key("step"), "' holds ", counts[i], " for parameter ", i,
               "; expected a count >= 0");
  // Hyper-parameters: set them, let the rule check them as its constructor did,
  // and put the old ones back if it refuses.
  std::vector<double> loaded, previous;
  for (const Hyperparameter& h : hyperparameters_) {
    const double v = host_value(h.key).item();
    HEED_CHECK(!h.flag || v == 0 || v == 1, name_, ".load_state_dict: flag '", key(h.key), "' is ", v,
               "; expected 0 or 1");
    loaded.push_back(v);
    previous.push_back(h.number ? *h.number : static_cast<double>(*h.flag));
  }
  auto assign = [this](const std::vector<double>& values) {
    for (std::size_t k = 0; k < hyperparameters_.size(); ++k) {
      if (hyperparameters_[k].flag) *hyperparameters_[k].flag = values[k] != 0;
      else *hyperparameters_[k].number = values[k];
    }
  };
  assign(loaded);
  try {
    set_lr(lr_);
    check_hyperparameters();
  } catch (const Error& e) {
    assign(previous);
    throw Error(std::string(e.what()) + " (in the state given to " + name_ + ".load_state_dict)");
  }

  update_counts_ = counts;
  for (const StateSlot& slot : state_slots_) {
    for (std::size_t i = 0; i < slot.tensors->size(); ++i) {
      Tensor& target = (*slot.tensors)[i];
      const Tensor& value = *given.at(key(slot.key + "." + std::to_string(i)));
      ops::copy_(target, value.device() == target.device() ? value : ops::to(value, target.device()));
    }
  }
}

}  // namespace heed::optim
