// The CPU backend: loops with OpenMP across threads, GEMM through BLIS.
// Each group of kernels lives in its own file beside this one:
//   fill_copy.cpp   fill, copy (strided, with dtype conversion)
//   unary.cpp       elementwise functions of one tensor
//   binary.cpp      elementwise functions of two tensors, where
//   reduce.cpp      row reductions (sum, mean, max/min with indices, var, logsumexp)
//   softmax.cpp     row softmax / log-softmax and their backward
//   gemm.cpp        batched matrix products through BLIS (blis_setup.cpp picks the kernels)
//   index.cpp       index_select, index_add, gather, scatter_add
//   cumsum.cpp      prefix sums
//   im2col.cpp      im2col / col2im (convolution as a matrix product)
//   pool2d.cpp      max and average pooling, forward and backward
//   flash_attention.cpp  attention in tiles with the online softmax, forward and backward
#pragma once

#include "tensor/backend.h"

namespace heed::cpu {

class CpuBackend final : public Backend {
 public:
  void* allocate(std::size_t nbytes) override;
  void deallocate(void* ptr, std::size_t nbytes) override;
  void copy_to_host(const void* device_src, void* host_dst, std::size_t nbytes) override;
  void copy_from_host(const void* host_src, void* device_dst, std::size_t nbytes) override;

  void fill(Tensor& out, double value) override;
  void copy(const Tensor& src, Tensor& dst) override;
  void unary(UnaryOp op, const Tensor& in, Tensor& out, double scalar) override;
  void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, double scalar) override;
  void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) override;
  void reduce_rows(ReduceOp op, const Tensor& in, Tensor& out, Tensor* indices, double scalar) override;
  void softmax_rows(const Tensor& in, Tensor& out, bool log) override;
  void softmax_backward_rows(const Tensor& y, const Tensor& gy, Tensor& gx, bool log) override;
  void gemm(const Tensor& a, const Tensor& bm, Tensor& out, bool accumulate) override;
  void index_select(const Tensor& in, int dim, const Tensor& idx, Tensor& out) override;
  void index_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;
  void gather(const Tensor& in, int dim, const Tensor& idx, Tensor& out) override;
  void scatter_add(Tensor& out, int dim, const Tensor& idx, const Tensor& src) override;
  void cumsum(const Tensor& in, int dim, Tensor& out) override;
  // Convolution and pooling (im2col.cpp, pool2d.cpp).
  void im2col(const Tensor& image, const Conv2dGeometry& g, Tensor& columns) override;
  void col2im(const Tensor& columns, const Conv2dGeometry& g, Tensor& image_grad) override;
  void max_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, Tensor& indices) override;
  void max_pool2d_backward(const Tensor& grad_out, const Tensor& indices, Tensor& grad_in) override;
  void avg_pool2d(const Tensor& in, const Pool2dGeometry& g, Tensor& out, bool count_include_pad) override;
  void avg_pool2d_backward(const Tensor& grad_out, const Pool2dGeometry& g, Tensor& grad_in,
                           bool count_include_pad) override;
  // Flash attention (flash_attention.cpp).
  void flash_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                       const FlashAttentionGeometry& g, Tensor& out, Tensor& logsumexp) override;
  void flash_attention_backward(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                const Tensor& out, const Tensor& logsumexp, const Tensor& grad_out,
                                const FlashAttentionGeometry& g, Tensor& grad_q, Tensor& grad_k,
                                Tensor& grad_v) override;
};

}  // namespace heed::cpu
