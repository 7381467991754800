// Optimizer: the base of every update rule (optim/sgd.h, optim/adam.h, optim/rmsprop.h).
//
// An optimizer holds handles to the trained tensors (the same storage the model
// holds) and, for each of them, the state its rule keeps (momentum buffers,
// moment estimates). One training step is
//   loss.backward();        // fills p.grad() for every parameter p
//   optimizer.step();       // p <- rule(p, p.grad(), state of p)
//   optimizer.zero_grad();  // drops the gradients before the next backward pass
//
// step() runs under NoGradGuard and changes parameters and state in place with
// the raw ops of tensor/ops.h: no graph is built, the model's handles stay
// valid, and the only allocations are a few temporaries of a parameter's size.
// A parameter whose gradient is undefined (it took no part in the loss) is
// skipped, state and update count included, as PyTorch does.
//
// State dict (what checkpoints save), for an optimizer named <opt> (sgd, adam,
// adamw, rmsprop) with P parameters:
//   <opt>.lr, <opt>.<hyper>   ()  float64   every hyper-parameter; flags as 0 or 1
//   <opt>.step                (P) int64     updates applied to each parameter so far
//   <opt>.<slot>.<i>          shape of parameter i, its dtype: the rule's state
//                                           tensors, e.g. adam.exp_avg.3
// Parameter i is the i-th tensor given to the constructor, so a resumed run must
// pass the same parameters in the same order (Module::parameters() does).
// load_state_dict restores all of it, hyper-parameters included (as PyTorch's
// does), so a resumed run continues exactly where the saved one stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace heed::optim {

// The same type as heed::NamedTensors (layers/module.h), spelled here because
// optim/ may not include layers/.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  // `name` prefixes every state-dict key. Throws if params is empty, holds an
  // undefined or integer tensor, or lr is negative.
  Optimizer(std::string name, std::vector<Tensor> params, double lr);
  virtual ~Optimizer() = default;
  // Pointers to the derived class's members are registered, so an optimizer stays put.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  void step();
  // Drops every parameter's gradient (the next backward pass starts fresh).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);  // what a schedule calls before each step
  const std::string& name() const { return name_; }
  const std::vector<Tensor>& params() const { return params_; }
  // Updates applied to parameter i so far.
  std::int64_t update_count(std::size_t i) const { return update_counts_.at(i); }

  // A snapshot (copies, CPU for the scalars, each state tensor on its
  // parameter's device): it stays valid while training goes on.
  NamedTensors state_dict() const;
  // Checks everything first (missing or unexpected keys, shapes, dtypes, values
  // of flags) and throws naming the key, then copies; a refused state leaves the
  // optimizer unchanged.
  void load_state_dict(const NamedTensors& state);

 protected:
  // The update of one parameter. `step` counts its updates including this one
  // (1 on the first), which bias corrections and first-step rules need.
  virtual void update(Tensor& param, const Tensor& grad, std::size_t index, std::int64_t step) = 0;
  // Throws if a hyper-parameter is out of its range. Derived constructors call
  // it; load_state_dict calls it on the loaded values.
  virtual void check_hyperparameters() const {}

  // Registration, from the derived constructor, of what the state dict holds:
  // a hyper-parameter saved as "<opt>.<key>" ...
  void register_hyperparameter(const std::string& key, double* value);
  // ... a flag saved as "<opt>.<key>" (0 or 1) ...
  void register_flag(const std::string& key, bool* value);
  // ... and one state tensor per parameter, "<opt>.<key>.<i>", created here as
  // zeros like each parameter.
  void register_state(const std::string& key, std::vector<Tensor>* slot);

 private:
  struct Hyperparameter {
    std::string key;
    double* number = nullptr;  // one of the two is set
    bool* flag = nullptr;
  };
  struct StateSlot {
    std::string key;
    std::vector<Tensor>* tensors;
  };
  std::string key(const std::string& suffix) const { return name_ + "." + suffix; }
  // Every entry of the state dict; the state tensors copied or as the live handles.
  NamedTensors current_state(bool snapshot) const;

  std::string name_;
  std::vector<Tensor> params_;
  double lr_;
  std::vector<std::int64_t> update_counts_;
  std::vector<Hyperparameter> hyperparameters_;
  std::vector<StateSlot> state_slots_;
};

// ---- In-place helpers the update rules share (no graph; dst keeps its storage).
// ops:: has binary_ but no in-place unary op; the backend's elementwise kernels
// allow the output to be the input itself, so these call it directly.
void scale_(Tensor& dst, double factor);                          // dst *= factor
void add_scalar_(Tensor& dst, double value);                      // dst += value
void add_scaled_(Tensor& dst, const Tensor& src, double alpha);   // dst += alpha * src

}  // namespace heed::optim
