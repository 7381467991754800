// BatchNorm2d: normalize each channel over the batch and the image, then scale and shift.
//
//   training:    mu, var = mean and biased variance of channel c over (N, H, W) of this batch
//                running_mean = (1 - momentum) running_mean + momentum mu
//                running_var  = (1 - momentum) running_var  + momentum var * M / (M - 1)   (unbiased, M = N*H*W)
//   evaluation:  mu, var = running_mean, running_var
//   y = (x - mu) / sqrt(var + eps) * weight + bias
//
//   x, y                        (N, C, H, W)
//   weight, bias                (C)   ones and zeros at start; absent when affine is false
//   running_mean, running_var   (C)   buffers: zeros and ones at start, saved in checkpoints
//   num_batches_tracked         ()    int64 buffer: training batches seen (kept for PyTorch's state_dict)
//
// Normalizing with the batch's own statistics keeps each layer's inputs at a
// steady scale while the layers below change, which lets deep CNNs train fast at
// high learning rates; the running averages stand in for them at evaluation,
// when a batch may be a single image. Everything matches torch.nn.BatchNorm2d.
// Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep Network Training
// by Reducing Internal Covariate Shift", https://arxiv.org/abs/1502.03167
#pragma once

#include <cstdint>

#include "layers/module.h"

namespace heed {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       DType dtype = DType::Float32);

  Tensor forward(const Tensor& input) override;

  std::int64_t num_features;
  double eps;
  double momentum;
  Tensor weight;               // (C); undefined without affine
  Tensor bias;                 // (C)
  Tensor running_mean;         // (C)
  Tensor running_var;          // (C)
  Tensor num_batches_tracked;  // () int64
};

}  // namespace heed
