// Max and average pooling on the CPU, forward and backward.
//
// Each output pixel summarizes one kh x kw window of its (H, W) plane:
//   window(oh, ow) = rows [oh*stride_h - pad_h, + kh) x columns [ow*stride_w - pad_w, + kw)
//   max:      out = max over the window's real pixels (padding never wins)
//   average:  out = sum over the window's real pixels / divisor
//             divisor = the window's size, clipped to the padded image (count_include_pad),
//                       or the number of real pixels in it
// exactly as PyTorch's CPU kernels do, ties and NaN included: the first
// maximum in row-major order wins, and a NaN beats every number (the last NaN
// of the window, when there are several).
//
// Backward: max pooling sends each output's gradient to the one input pixel
// that won (recorded in `indices` during the forward pass); average pooling
// shares it evenly, grad / divisor, over its window's real pixels. Windows that
// overlap (stride < kernel) add into the same pixel.
//
// Threads split the N*C planes: planes are independent, so no two threads
// touch the same pixel.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// A window clipped to the image, and the divisor average pooling uses for it.
struct Window {
  std::int64_t h_begin, h_end, w_begin, w_end;
  std::int64_t padded_size;  // rows x columns inside the padded image
};

inline Window window_at(const Pool2dGeometry& g, std::int64_t height, std::int64_t width, std::int64_t oh,
                        std::int64_t ow) {
  const std::int64_t h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
  const std::int64_t h1 = std::min(h0 + g.kh, height + g.pad_h), w1 = std::min(w0 + g.kw, width + g.pad_w);
  return {std::max<std::int64_t>(h0, 0), std::min(h1, height), std::max<std::int64_t>(w0, 0), std::min(w1, width),
          (h1 - h0) * (w1 - w0)};
}

template <typename T>
T divisor_of(const Window& win, bool count_include_pad) {
  return static_cast<T>(count_include_pad ? win.padded_size : (win.h_end - win.h_begin) * (win.w_end - win.w_begin));
}

// The outputs o in [begin, end) whose tap at offset lands inside [0, size): o*stride + offset in [0, size).
struct ValidRange {
  std::int64_t begin, end;
};

ValidRange valid_outputs(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t outputs) {
  const std::int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const std::int64_t end = size - 1 - offset < 0 ? 0 : std::min((size - 1 - offset) / stride + 1, outputs);
  return {std::min(begin, end), end};
}

// The reference: one window at a time, PyTorch's loop exactly. The first maximum
// in row-major order wins (a strict >); a NaN beats everything, the last one winning.
template <typename T>
void max_of_window(const T* plane, std::int64_t width, const Window& win, T& best, std::int64_t& best_at) {
  best = -std::numeric_limits<T>::infinity();
  best_at = win.h_begin * width + win.w_begin;
  for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih) {
    for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) {
      const T v = plane[ih * width + iw];
      if (v > best || std::isnan(v)) {
        best = v;
        best_at = ih * width + iw;
      }
    }
  }
}

// The fast path: output row oh of one plane, with the window's taps in the outer
// loops and the row's outputs in the inner one. Each output still sees its taps in
// row-major order (so ties resolve as in the reference), but consecutive
// iterations update different outputs: no chain of compares through one running
// maximum, and "is v larger" becomes a select instead of a branch that random data
// would mispredict half the time. A row holding a NaN is redone by the reference.
// valid_columns[j]: the outputs whose tap j lands inside the image, the same for every row.
template <typename T>
void max_pool_row(const T* plane, std::int64_t height, std::int64_t width, const Pool2dGeometry& g, std::int64_t oh,
                  const std::vector<ValidRange>& valid_columns, T* row_out, std::int64_t* row_argmax) {
  const std::int64_t h0 = oh * g.stride_h - g.pad_h;
  const std::int64_t h_begin = std::max<std::int64_t>(h0, 0), h_end = std::min(h0 + g.kh, height);
  for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
    row_out[ow] = -std::numeric_limits<T>::infinity();
    row_argmax[ow] = h_begin * width + std::max<std::int64_t>(ow * g.stride_w - g.pad_w, 0);
  }
  bool saw_nan = false;
  for (std::int64_t ih = h_begin; ih < h_end; ++ih) {
    for (std::int64_t j = 0; j < g.kw; ++j) {
      const ValidRange valid = valid_columns[static_cast<std::size_t>(j)];
      const std::int64_t first = ih * width + j - g.pad_w;  // position read by output 0 (only valid ones are read)
      for (std::int64_t ow = valid.begin; ow < valid.end; ++ow) {
        const std::int64_t at = first + ow * g.stride_w;
        const T v = plane[at];
        // Arithmetic and max instead of if: the compiler turns an if into a branch.
        const auto larger = static_cast<std::int64_t>(v > row_out[ow]);
        row_argmax[ow] += (at - row_argmax[ow]) * larger;
        row_out[ow] = std::max(row_out[ow], v);  // (cur < v) ? v : cur, the same choice as `larger`
        saw_nan |= v != v;
      }
    }
  }
  if (saw_nan) {
    for (std::int64_t ow = 0; ow < g.out_w; ++ow)
      max_of_window(plane, width, window_at(g, height, width, oh, ow), row_out[ow], row_argmax[ow]);
  }
}

// Runs plane_fn(p) for every (n, c) plane p, across threads when there is enough work.
template <typename PlaneFn>
void for_each_plane(std::int64_t planes, std::int64_t work, const PlaneFn& plane_fn) {
  const int threads = work >= kParallelGrain && planes > 1 ? omp_get_max_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t p = 0; p < planes; ++p) plane_fn(p);
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, Tensor& indices) {
  const std::int64_t planes = in.size(0) * in.size(1), height = in.size(2), width = in.size(3);
  const std::int64_t per_plane = g.out_h * g.out_w;
  dispatch_floating(in.dtype(), "max_pool2d", [&]<typename T>() {
    const T* x = in.data<T>();                           // (N*C, H, W)
    T* y = out.data<T>();                                // (N*C, out_h, out_w)
    std::int64_t* argmax = indices.data<std::int64_t>();  // (N*C, out_h, out_w), positions in (H, W)
    std::vector<ValidRange> valid_columns;
    for (std::int64_t j = 0; j < g.kw; ++j)
      valid_columns.push_back(valid_outputs(j - g.pad_w, g.stride_w, width, g.out_w));
    for_each_plane(planes, planes * per_plane * g.kh * g.kw, [&](std::int64_t p) {
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        max_pool_row(x + p * height * width, height, width, g, oh, valid_columns, y + p * per_plane + oh * g.out_w,
                     argmax + p * per_plane + oh * g.out_w);
      }
    });
  });
}

void CpuBackend::max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, Tensor& grad_in) {
  const std::int64_t planes = grad_in.size(0) * grad_in.size(1), plane_size = grad_in.size(2) * grad_in.size(3);
  const std::int64_t per_plane = grad_out.size(2) * grad_out.size(3);
  dispatch_floating(grad_out.dtype(), "max_pool2d_backward", [&]<typename T>() {
    const T* gy = grad_out.data<T>();                        // (N*C, out_h, out_w)
    const std::int64_t* argmax = indices.data<std::int64_t>();  // (N*C, out_h, out_w)
    T* gx = grad_in.data<T>();                               // (N*C, H, W)
    for_each_plane(planes, planes * (plane_size + per_plane), [&](std::int64_t p) {
      T* plane = gx + p * plane_size;
      std::fill(plane, plane + plane_size, T(0));
      for (std::int64_t k = p * per_plane; k < (p + 1) * per_plane; ++k) plane[argmax[k]] += gy[k];
    });
  });
}

void CpuBackend::avg_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, bool count_include_pad) {
  const std::int64_t planes = in.size(0) * in.size(1), height = in.size(2), width = in.size(3);
  const std::int64_t per_plane = g.out_h * g.out_w;
  dispatch_floating(in.dtype(), "avg_pool2d", [&]<typename T>() {
    const T* x = in.data<T>();  // (N*C, H, W)
    T* y = out.data<T>();       // (N*C, out_h, out_w)
    for_each_plane(planes, planes * per_plane * g.kh * g.kw, [&](std::int64_t p) {
      const T* plane = x + p * height * width;
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_at(g, height, width, oh, ow);
          T total = 0;
          for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih)
            for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) total += plane[ih * width + iw];
          // A window entirely in the padding has no pixels to average.
          const bool empty = win.h_begin >= win.h_end || win.w_begin >= win.w_end;
          y[p * per_plane + oh * g.out_w + ow] = empty ? T(0) : total / divisor_of<T>(win, count_include_pad);
        }
      }
    });
  });
}

void CpuBackend::avg_pool2d_backward(const Tensor& grad_out, const Pool2dGeometry& g, Tensor& grad_in,
                                     bool count_include_pad) {
  const std::int64_t planes = grad_in.size(0) * grad_in.size(1), height = grad_in.size(2), width = grad_in.size(3);
  const std::int64_t per_plane = g.out_h * g.out_w;
  dispatch_floating(grad_out.dtype(), "avg_pool2d_backward", [&]<typename T>() {
    const T* gy = grad_out.data<T>();  // (N*C, out_h, out_w)
    T* gx = grad_in.data<T>();         // (N*C, H, W)
    for_each_plane(planes, planes * per_plane * g.kh * g.kw, [&](std::int64_t p) {
      T* plane = gx + p * height * width;
      std::fill(plane, plane + height * width, T(0));
      for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
        for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
          const Window win = window_at(g, height, width, oh, ow);
          if (win.h_begin >= win.h_end || win.w_begin >= win.w_end) continue;
          const T share = gy[p * per_plane + oh * g.out_w + ow] / divisor_of<T>(win, count_include_pad);
          for (std::int64_t ih = win.h_begin; ih < win.h_end; ++ih)
            for (std::int64_t iw = win.w_begin; iw < win.w_end; ++iw) plane[ih * width + iw] += share;
        }
      }
    });
  });
}

}  // namespace heed::cpu
