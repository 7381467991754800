#include "tensor/storage.h"

#include <atomic>

#include "tensor/backend.h"

namespace heed {
namespace {

struct Counters {
  std::atomic<std::int64_t> current{0};
  std::atomic<std::int64_t> peak{0};
};

Counters& counters(Device device) {
  static Counters cpu, cuda;
  return device.is_cpu() ? cpu : cuda;
}

void count(Device device, std::int64_t delta) {
  Counters& c = counters(device);
  const std::int64_t now = c.current.fetch_add(delta, std::memory_order_relaxed) + delta;
  std::int64_t peak = c.peak.load(std::memory_order_relaxed);
  while (now > peak && !c.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

Storage::Storage(std::size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  if (nbytes_ > 0) data_ = backend_for(device).allocate(nbytes_);
  count(device_, static_cast<std::int64_t>(nbytes_));
}

Storage::~Storage() {
  if (data_) backend_for(device_).deallocate(data_, nbytes_);
  count(device_, -static_cast<std::int64_t>(nbytes_));
}

MemoryStats memory_stats(Device device) {
  Counters& c = counters(device);
  return {c.current.load(), c.peak.load()};
}

void reset_peak_memory(Device device) {
  Counters& c = counters(device);
  c.peak.store(c.current.load());
}

}  // namespace heed
