#include "tensor/backend.h"

namespace heed {

Backend& backend_for(Device device) {
  if (device.is_cpu()) return cpu_backend();
#ifdef HEED_WITH_CUDA
  HEED_CHECK(device.index < cuda_device_count(), "device: ", device.str(), " does not exist (",
             cuda_device_count(), " CUDA devices visible)");
  return cuda_backend();
#else
  detail::fail("device: ", device.str(), " requested, but heed was built without CUDA; "
               "reconfigure with -DHEED_CUDA=ON on a machine with the CUDA Toolkit");
#endif
}

bool cuda_available() {
#ifdef HEED_WITH_CUDA
  return cuda_device_count() > 0;
#else
  return false;
#endif
}

}  // namespace heed
