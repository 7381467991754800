// Whether operations are being recorded for a backward pass.
//
// Recording is on by default. Inside a NoGradGuard scope (evaluation, optimizer
// updates, gradient checks' perturbations) ops return plain tensors and build
// no graph. The flag is per thread, like PyTorch's.
#pragma once

namespace heed {

class GradMode {
 public:
  static bool is_enabled() { return enabled_; }
  static void set_enabled(bool enabled) { enabled_ = enabled; }

 private:
  static thread_local inline bool enabled_ = true;
};

class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace heed
