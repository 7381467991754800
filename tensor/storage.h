// Storage: one allocation on one device, shared by every view of it.
//
// Tensors are handles (shape, strides, offset) onto a Storage; a transpose or a
// slice makes a new handle, never a new Storage. Allocations are counted per
// device so drivers can report peak memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "tensor/device.h"

namespace heed {

class Storage {
 public:
  Storage(std::size_t nbytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  Device device_;
};

// Bytes held by live Storages on a device, now and at the peak since the last reset.
struct MemoryStats {
  std::int64_t current_bytes = 0;
  std::int64_t peak_bytes = 0;
};
MemoryStats memory_stats(Device device = kCPU);
void reset_peak_memory(Device device = kCPU);

}  // namespace heed
