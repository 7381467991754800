// Anomaly detection: stop at the first op that makes a NaN or an Inf.
//
// A NaN born in one op spreads through every op after it, so by the time the
// loss prints it, the op that made it is long gone. With anomaly detection on,
// every differentiable op checks its output as it runs forward, and the
// backward engine checks every gradient a Node returns. Forward, a NaN is an
// anomaly, and so is an Inf that an op made from finite inputs (an overflowing
// exp, log of 0); the -Inf a mask writes into attention scores, and carries to
// the softmax that zeroes it, is not. Backward, any NaN or Inf is. The first
// anomaly throws a heed::Error that names the op, says NaN or Inf, gives the
// shapes of its inputs and says where in the model it was made:
//
//   anomaly detected: 'log' made NaN in forward (first at element 3 of its (5,3) output);
//   its inputs: (5,3); in the model: encoder (parameters nearest to it: encoder.bias)
//
// "Where in the model" needs no help from the layers: the report walks the
// graph back from the op's inputs to the nearest parameters and names the
// module they share, from the names given to DetectAnomalyGuard.
//
//   DetectAnomalyGuard anomaly(model.named_parameters());   // on until it goes out of scope
//   Tensor loss = ...; loss.backward();
//
// It costs a pass over every op's output, so it is for finding a bug, not for
// every run (the drivers' --detect-anomaly). The switch is process-wide.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace heed {

namespace autograd {
class Node;
}

class AnomalyMode {
 public:
  static bool is_enabled() { return enabled_; }

 private:
  friend class DetectAnomalyGuard;
  static inline bool enabled_ = false;
};

class DetectAnomalyGuard {
 public:
  // `parameters` name the model's tensors, for the report's "in the model"; may be empty.
  explicit DetectAnomalyGuard(const std::vector<std::pair<std::string, Tensor>>& parameters = {});
  ~DetectAnomalyGuard();
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

namespace autograd {

// Throws when `output` of the op `name` holds a NaN or an Inf (forward).
void check_forward_anomaly(const char* name, const Tensor& output, const Tensor* inputs, std::size_t count);
// Throws when a gradient `node` returned for its input `input` holds a NaN or an Inf (backward).
void check_backward_anomaly(Node& node, std::size_t input, const Tensor& gradient);

}  // namespace autograd
}  // namespace heed
