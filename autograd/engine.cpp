// The backward engine: reverse-mode differentiation over the recorded graph.
//
// 1. Collect every Node reachable from the root with an explicit stack (no
//    recursion: an RNN unrolled over 10,000 steps must not overflow the stack)
//    and count, for each Node, how many edges point at it.
// 2. Kahn's algorithm: a Node is ready once all its consumers have handed it
//    their gradient. Run it, sum what it returns into its inputs (Nodes or
//    leaves), and release its saved tensors unless retain_graph is asked for.
#include <unordered_map>
#include <vector>

#include "autograd/function.h"
#include "tensor/ops.h"

namespace heed::autograd {

Node::~Node() {
  // Destroying the last handle to a long chain would otherwise recurse once per
  // Node through shared_ptr destructors. Hand children to a per-thread queue
  // and let the outermost destructor drain it.
  thread_local std::vector<std::shared_ptr<Node>> pending;
  thread_local bool draining = false;
  for (Edge& e : inputs_)
    if (e.fn) pending.push_back(std::move(e.fn));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    std::shared_ptr<Node> next = std::move(pending.back());
    pending.pop_back();
    next.reset();  // may push its own children
  }
  draining = false;
}

Tensor saved(const Tensor& t) {
  if (!t.defined() || !t.impl().autograd) return t;
  return t.detach();
}

Edge edge_to(const Tensor& input) {
  if (!input.defined() || !needs_grad(input)) return {};
  const auto& meta = input.impl().autograd;
  if (meta->grad_fn) return {meta->grad_fn, nullptr, input.shape()};
  return {nullptr, meta, input.shape()};
}

void attach(Tensor& output, std::shared_ptr<Node> node) {
  // The output always gets a handle of its own, sharing its storage, and only
  // that new handle carries the graph link. A backward rule may have kept the
  // handle the op returned (softmax, exp and tanh keep their output; logsumexp
  // keeps its keepdim result): were the link put on that same handle, the Node
  // would own, through its lambda, the metadata that owns the Node, and a graph
  // that is never back-propagated would never be freed. This also leaves an
  // input untouched when an op hands it back unchanged (contiguous() of a
  // contiguous tensor).
  auto own_handle = std::make_shared<TensorImpl>(output.impl());
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  node->output_meta() = meta;
  meta->grad_fn = std::move(node);
  own_handle->autograd = std::move(meta);
  output = Tensor(std::move(own_handle));
}

namespace {

void accumulate(Tensor& into, const Tensor& grad) { into = into.defined() ? ops::add(into, grad) : grad; }

void check_grad(const Node& node, std::size_t input, const Tensor& grad, const Shape& expected) {
  HEED_CHECK(grad.shape() == expected, "backward: ", node.name(), " returned a gradient of shape ",
             shape_str(grad.shape()), " for its input ", input, " of shape ", shape_str(expected));
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph) {
  const auto& root_meta = root.impl().autograd;
  HEED_CHECK(root_meta && root_meta->requires_grad, "backward: tensor of shape ", shape_str(root.shape()),
             " does not require grad; call requires_grad_() on the leaves you want gradients for, and make sure "
             "the computation did not run under NoGradGuard");
  HEED_CHECK(grad_root.shape() == root.shape(), "backward: gradient of shape ", shape_str(grad_root.shape()),
             " does not match the tensor's shape ", shape_str(root.shape()));
  if (!root_meta->grad_fn) {  // backward() on a leaf: its gradient is grad_root itself
    accumulate(root_meta->grad, grad_root);
    return;
  }

  // 1. Reachable Nodes and the number of edges into each.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack{root_meta->grad_fn.get()};
  dependencies[root_meta->grad_fn.get()] = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (Edge& e : node->inputs()) {
      if (!e.fn) continue;
      auto [it, first_visit] = dependencies.try_emplace(e.fn.get(), 0);
      ++it->second;
      if (first_visit) stack.push_back(e.fn.get());
    }
  }

  // 2. Run Nodes once all their gradients have arrived.
  std::unordered_map<Node*, Tensor> pending_grads;
  pending_grads[root_meta->grad_fn.get()] = grad_root;
  std::vector<Node*> ready{root_meta->grad_fn.get()};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    auto found = pending_grads.find(node);
    std::vector<Tensor> input_grads;
    if (found != pending_grads.end()) {  // else every path into this Node carried no gradient
      HEED_CHECK(!node->released(), "backward: the graph through '", node->name(),
                 "' was freed by an earlier backward(); pass retain_graph = true to the first backward() "
                 "to go through the graph twice");
      Tensor grad_output = std::move(found->second);
      pending_grads.erase(found);
      if (auto meta = node->output_meta().lock(); meta && meta->retains_grad) accumulate(meta->grad, grad_output);
      input_grads = node->apply(grad_output);
      HEED_CHECK(input_grads.size() == node->inputs().size(), "backward: ", node->name(), " returned ",
                 input_grads.size(), " gradients for ", node->inputs().size(), " inputs");
    }
    for (std::size_t i = 0; i < node->inputs().size(); ++i) {
      Edge& e = node->inputs()[i];
      if (!e.needs_grad()) continue;
      const Tensor g = i < input_grads.size() ? input_grads[i] : Tensor();
      if (g.defined()) {
        check_grad(*node, i, g, e.shape);
        if (AnomalyMode::is_enabled()) check_backward_anomaly(*node, i, g);
      }
      if (e.fn) {
        if (g.defined()) accumulate(pending_grads[e.fn.get()], g);
        if (--dependencies[e.fn.get()] == 0) ready.push_back(e.fn.get());
      } else if (g.defined()) {
        accumulate(e.leaf->grad, g);
      }
    }
    if (!retain_graph) node->release();
  }
}

}  // namespace heed::autograd
