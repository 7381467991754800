// Where a tensor's memory lives. Every kernel is reached through the device's
// Backend (tensor/backend.h), so adding a device means implementing that list.
#pragma once

#include <cstdint>
#include <string>

namespace heed {

enum class DeviceType : std::uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  bool operator==(const Device&) const = default;
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};

inline const Device kCPU{DeviceType::CPU, 0};
inline Device cuda(int index = 0) { return Device{DeviceType::CUDA, index}; }

}  // namespace heed
