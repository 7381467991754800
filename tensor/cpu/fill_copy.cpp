// fill and copy: the two kernels every other op leans on (contiguous(),
// to(dtype), concat, expand-then-materialize).
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {

void CpuBackend::fill(Tensor& out, double value) {
  dispatch(out.dtype(), [&]<typename T>() {
    const T v = static_cast<T>(value);
    for_each_row<1>(out.shape(), {&out}, [v](std::array<char*, 1> p, std::array<std::int64_t, 1> s, std::int64_t n) {
      for (std::int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

void CpuBackend::copy(const Tensor& src, Tensor& dst) {
  dispatch(dst.dtype(), [&]<typename D>() {
    dispatch(src.dtype(), [&]<typename S>() {
      for_each_row<2>(dst.shape(), {&dst, &src},
                      [](std::array<char*, 2> p, std::array<std::int64_t, 2> s, std::int64_t n) {
                        if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
                          D* d = reinterpret_cast<D*>(p[0]);
                          const S* x = reinterpret_cast<const S*>(p[1]);
                          for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(x[i]);
                        } else {
                          for (std::int64_t i = 0; i < n; ++i)
                            *reinterpret_cast<D*>(p[0] + i * s[0]) =
                                static_cast<D>(*reinterpret_cast<const S*>(p[1] + i * s[1]));
                        }
                      });
    });
  });
}

}  // namespace heed::cpu
