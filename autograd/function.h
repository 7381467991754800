// How a differentiable op is written: forward and backward side by side.
//
//   Tensor exp(const Tensor& x) {
//     Tensor y = ops::exp(x);                               // forward, no graph
//     return record("exp", y, {x}, [y = saved(y)](const Tensor& g) {
//       return grads(ops::mul(g, y));                       // dL/dx = dL/dy * e^x
//     });
//   }
//
// record() attaches a Node to `output` only when gradients are being recorded
// and some input requires them; otherwise it returns `output` untouched, so
// ops cost nothing extra under NoGradGuard. Tensors a backward lambda keeps
// go through saved(): it keeps the data but not the graph link, so a Node
// holds no metadata, no gradient and no upstream Node beyond its edges. The
// op's own output may be kept too: record() returns a new handle onto it, and
// only that handle links to the Node, so the Node never owns itself (an
// output -> node -> output cycle would outlive every graph that is not
// back-propagated; see attach() in engine.cpp).
#pragma once

#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "autograd/anomaly.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace heed::autograd {

inline bool needs_grad(const Tensor& t) {
  const auto& meta = t.impl().autograd;
  return meta && meta->requires_grad;
}

inline bool any_needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && needs_grad(*t)) return true;
  return false;
}

// The data of t without its place in the graph (what a backward rule may keep).
Tensor saved(const Tensor& t);

// The gradient list a backward lambda returns, one entry per input.
template <typename... T>
std::vector<Tensor> grads(T&&... g) {
  return std::vector<Tensor>{std::forward<T>(g)...};
}

Edge edge_to(const Tensor& input);
void attach(Tensor& output, std::shared_ptr<Node> node);

template <typename Backward>
Tensor record(const char* name, Tensor output, std::initializer_list<Tensor> inputs, Backward&& backward) {
  if (AnomalyMode::is_enabled()) check_forward_anomaly(name, output, inputs.begin(), inputs.size());
  if (!GradMode::is_enabled()) return output;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && needs_grad(t));
  if (!any) return output;
  auto node = std::make_shared<LambdaNode<std::decay_t<Backward>>>(name, std::forward<Backward>(backward));
  node->inputs().reserve(inputs.size());
  for (const Tensor& t : inputs) node->inputs().push_back(edge_to(t));
  attach(output, std::move(node));
  return output;
}

// Same, for ops with a variable number of inputs (concat, stack).
template <typename Backward>
Tensor record(const char* name, Tensor output, const std::vector<Tensor>& inputs, Backward&& backward) {
  if (AnomalyMode::is_enabled()) check_forward_anomaly(name, output, inputs.data(), inputs.size());
  if (!GradMode::is_enabled()) return output;
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && needs_grad(t));
  if (!any) return output;
  auto node = std::make_shared<LambdaNode<std::decay_t<Backward>>>(name, std::forward<Backward>(backward));
  node->inputs().reserve(inputs.size());
  for (const Tensor& t : inputs) node->inputs().push_back(edge_to(t));
  attach(output, std::move(node));
  return output;
}

}  // namespace heed::autograd
