// Module: the base of every layer and model.
//
// A Module owns named parameters (trained tensors), named buffers (state that
// is saved but not trained, like BatchNorm's running mean) and named child
// Modules. Names compose along the tree, so a parameter is addressed as
//   encoder.layers.0.attn.q_proj.weight
// and that is its key in state_dict() and in checkpoints.
//
// A layer registers what it owns in its constructor:
//   Linear(int in, int out) {
//     weight = register_parameter("weight", ...);   // (out, in)
//     bias   = register_parameter("bias", ...);     // (out)
//   }
// and composes differentiable ops in forward(); it never touches raw data, so
// its backward pass comes from autograd.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/functions.h"
#include "tensor/tensor.h"

namespace heed {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The one-input forward pass, for layers that have one (Sequential chains them).
  // Layers with other inputs define their own forward(...) overloads.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  const std::string& type_name() const { return type_name_; }

  // Every parameter of this module and its children, in registration order.
  std::vector<Tensor> parameters() const;
  NamedTensors named_parameters() const;
  NamedTensors named_buffers() const;
  std::int64_t num_parameters() const;

  // Parameters and buffers by name. load_state_dict copies values into the
  // existing tensors (optimizers keep their handles), converting the dtype if
  // it differs, and refuses, naming the key, missing or unexpected keys and
  // shape mismatches.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state, bool strict = true);

  // Training mode (dropout active, batch statistics) vs evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  void zero_grad();

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  // Registers a trained tensor: marks it requires_grad and returns it.
  Tensor register_parameter(const std::string& name, Tensor value);
  // Registers saved, untrained state.
  Tensor register_buffer(const std::string& name, Tensor value);
  // Replaces a buffer's tensor (for state that is reassigned, like running stats).
  void set_buffer(const std::string& name, const Tensor& value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    check_new_name(name);
    children_.emplace_back(name, module);
    return module;
  }
  // Puts `module` in the place of the child registered as `name` (a model rebuilding a part of
  // itself before training); the old child's parameters leave the tree with it.
  template <typename M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    child_slot(name) = module;
    return module;
  }

 private:
  void check_new_name(const std::string& name) const;
  std::shared_ptr<Module>& child_slot(const std::string& name);  // throws when no child has the name
  void collect(const std::string& prefix, NamedTensors& params, NamedTensors* buffers) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Modules applied one after another: Sequential({conv, relu, pool}).
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& layers);
  void push_back(std::shared_ptr<Module> layer);
  Tensor forward(const Tensor& input) override;
  std::size_t size() const { return layers_.size(); }
  const std::shared_ptr<Module>& operator[](std::size_t i) const { return layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace heed
