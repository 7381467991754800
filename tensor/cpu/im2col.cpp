// im2col and col2im on the CPU: a convolution turned into matrix products.
//
// A 2-D convolution sums, for each output pixel, C * kh * kw products of input
// pixels with weights. im2col copies those input pixels into one column per
// output pixel, giving each image a matrix:
//   columns[n, (c*kh + i)*kw + j, oh*out_w + ow]
//       = image[n, c, oh*stride_h - pad_h + i*dil_h, ow*stride_w - pad_w + j*dil_w]   (0 in the padding)
//   columns: (N, C*kh*kw, out_h*out_w)
// so that image n's convolution is one GEMM (tensor/ops/conv.cpp):
//   out[n] (C_out, out_h*out_w) = weight (C_out, C*kh*kw) @ columns[n]
// and out comes out in (N, C_out, out_h, out_w) order with nothing to reorder.
// (Chellapilla, Puri & Simard 2006, "High performance convolutional neural
// networks for document processing"; Caffe made it the standard CPU convolution.)
//
// col2im is the adjoint (the transpose of the linear map im2col is): it adds
// every column entry back onto the pixel it was read from, which is how the
// gradient of the columns becomes the gradient of the image. A pixel read by
// several taps receives the sum.
//
// Threads: im2col splits (image, column row) pairs, each writing its own
// out_h*out_w run; col2im splits (image, channel) planes, so no two threads
// ever add into the same pixel.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/strided_loop.h"

namespace heed::cpu {
namespace {

// The outputs o in [begin, end) whose input position o*stride + offset lies in
// [0, size); every other output of that tap reads padding.
struct ValidRange {
  std::int64_t begin, end;
};

ValidRange valid_outputs(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t outputs) {
  // First o with o*stride + offset >= 0; last o with o*stride + offset <= size - 1.
  const std::int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const std::int64_t end = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  const std::int64_t clipped_end = std::min(end, outputs);
  return {std::min(begin, clipped_end), clipped_end};
}

int threads_for(std::int64_t work, std::int64_t tasks) {
  return work >= kParallelGrain && tasks > 1 ? omp_get_max_threads() : 1;
}

template <typename T>
void im2col_kernel(const T* image, const Conv2dGeometry& g, std::int64_t batch, std::int64_t channels,
                   std::int64_t height, std::int64_t width, T* columns) {
  const std::int64_t taps = g.kh * g.kw;
  const std::int64_t rows = channels * taps;           // C*kh*kw
  const std::int64_t per_image = g.out_h * g.out_w;  // L
  const int threads = threads_for(batch * rows * per_image, batch * rows);
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t n = 0; n < batch; ++n) {
    for (std::int64_t row = 0; row < rows; ++row) {
      const std::int64_t c = row / taps, i = (row % taps) / g.kw, j = row % g.kw;
      const T* plane = image + (n * channels + c) * height * width;  // (H, W)
      T* out = columns + (n * rows + row) * per_image;                // (out_h, out_w)
      const ValidRange rows_in = valid_outputs(i * g.dil_h - g.pad_h, g.stride_h, height, g.out_h);
      const ValidRange cols_in = valid_outputs(j * g.dil_w - g.pad_w, g.stride_w, width, g.out_w);
      std::fill(out, out + rows_in.begin * g.out_w, T(0));
      for (std::int64_t oh = rows_in.begin; oh < rows_in.end; ++oh) {
        // Input pixel of output column ow: plane[first + ow * stride_w] (first may be negative:
        // it is only ever indexed at valid ow).
        const std::int64_t first = (oh * g.stride_h - g.pad_h + i * g.dil_h) * width + (j * g.dil_w - g.pad_w);
        T* dest = out + oh * g.out_w;
        std::fill(dest, dest + cols_in.begin, T(0));
        if (g.stride_w == 1) {
          std::memcpy(dest + cols_in.begin, plane + first + cols_in.begin, sizeof(T) * (cols_in.end - cols_in.begin));
        } else {
          for (std::int64_t ow = cols_in.begin; ow < cols_in.end; ++ow) dest[ow] = plane[first + ow * g.stride_w];
        }
        std::fill(dest + cols_in.end, dest + g.out_w, T(0));
      }
      std::fill(out + rows_in.end * g.out_w, out + per_image, T(0));
    }
  }
}

template <typename T>
void col2im_kernel(const T* columns, const Conv2dGeometry& g, std::int64_t batch, std::int64_t channels,
                   std::int64_t height, std::int64_t width, T* image_grad) {
  const std::int64_t rows = channels * g.kh * g.kw;
  const std::int64_t per_image = g.out_h * g.out_w;
  const int threads = threads_for(batch * rows * per_image, batch * channels);
#pragma omp parallel for collapse(2) schedule(static) num_threads(threads) if (threads > 1)
  for (std::int64_t n = 0; n < batch; ++n) {
    for (std::int64_t c = 0; c < channels; ++c) {
      T* plane = image_grad + (n * channels + c) * height * width;  // (H, W)
      for (std::int64_t i = 0; i < g.kh; ++i) {
        for (std::int64_t j = 0; j < g.kw; ++j) {
          const T* in = columns + (n * rows + (c * g.kh + i) * g.kw + j) * per_image;  // (out_h, out_w)
          const ValidRange rows_in = valid_outputs(i * g.dil_h - g.pad_h, g.stride_h, height, g.out_h);
          const ValidRange cols_in = valid_outputs(j * g.dil_w - g.pad_w, g.stride_w, width, g.out_w);
          for (std::int64_t oh = rows_in.begin; oh < rows_in.end; ++oh) {
            const std::int64_t first = (oh * g.stride_h - g.pad_h + i * g.dil_h) * width + (j * g.dil_w - g.pad_w);
            const T* source = in + oh * g.out_w;
            for (std::int64_t ow = cols_in.begin; ow < cols_in.end; ++ow) plane[first + ow * g.stride_w] += source[ow];
          }
        }
      }
    }
  }
}

}  // namespace

void CpuBackend::im2col(const Tensor& image, const Conv2dGeometry& g, Tensor& columns) {
  dispatch_floating(image.dtype(), "im2col", [&]<typename T>() {
    im2col_kernel(image.data<T>(), g, image.size(0), image.size(1), image.size(2), image.size(3), columns.data<T>());
  });
}

void CpuBackend::col2im(const Tensor& columns, const Conv2dGeometry& g, Tensor& image_grad) {
  dispatch_floating(columns.dtype(), "col2im", [&]<typename T>() {
    col2im_kernel(columns.data<T>(), g, image_grad.size(0), image_grad.size(1), image_grad.size(2),
                  image_grad.size(3), image_grad.data<T>());
  });
}

}  // namespace heed::cpu
