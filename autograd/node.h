// The autograd graph.
//
// Every tensor produced by a differentiable op while recording carries an
// AutogradMeta whose grad_fn is the Node that made it. A Node knows its inputs
// (edges to the Nodes that made them, or to the leaf tensors themselves) and
// how to turn the gradient of its output into gradients of its inputs:
//
//     x (leaf) ──┐
//                ├─ MulNode ── y ── ExpNode ── z        z.backward()
//     w (leaf) ──┘                                       walks right to left
//
// The engine (engine.cpp) visits Nodes in reverse topological order, so a
// Node runs once, after every gradient flowing into it has been summed.
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace heed {

namespace autograd {
class Node;
}

struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;                  // keep .grad() on a non-leaf
  Tensor grad;                                // accumulated dL/dtensor
  std::shared_ptr<autograd::Node> grad_fn;    // null for leaves
};

namespace autograd {

// Where one input's gradient goes: into the Node that produced the input, or
// straight into a leaf's .grad(). Both null: the input needs no gradient.
struct Edge {
  std::shared_ptr<Node> fn;
  std::shared_ptr<AutogradMeta> leaf;
  Shape shape;  // the input's shape, which its gradient must have
  bool needs_grad() const { return fn || leaf; }
};

class Node {
 public:
  explicit Node(const char* name) : name_(name) {}
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const char* name() const { return name_; }
  // Gradients for each input, in the order of inputs(); an undefined Tensor
  // where an input gets none.
  virtual std::vector<Tensor> apply(const Tensor& grad_output) = 0;
  // Frees what the backward pass saved; after this the Node cannot run again.
  virtual void release() { released_ = true; }
  bool released() const { return released_; }

  std::vector<Edge>& inputs() { return inputs_; }
  std::weak_ptr<AutogradMeta>& output_meta() { return output_meta_; }

 protected:
  bool released_ = false;

 private:
  const char* name_;
  std::vector<Edge> inputs_;
  std::weak_ptr<AutogradMeta> output_meta_;
};

// A Node whose backward rule is a lambda, so each op's forward and backward
// sit side by side in one function (see autograd/function.h).
template <typename Backward>
class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, Backward backward) : Node(name), backward_(std::move(backward)) {}
  std::vector<Tensor> apply(const Tensor& grad_output) override { return (*backward_)(grad_output); }
  void release() override {
    backward_.reset();  // drops the tensors the lambda saved
    released_ = true;
  }

 private:
  std::optional<Backward> backward_;
};

// Runs the backward pass from `root` seeded with `grad_root` (engine.cpp).
void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph);

}  // namespace autograd
}  // namespace heed
