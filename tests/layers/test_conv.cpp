// Convolution, pooling, BatchNorm2d and the CNN classifier: the fast paths
// against simple references (a seven-loop convolution, batch norm composed of
// elementwise ops), float64 gradient checks, argument errors, and a short
// training run of CnnClassifier.
#include <cmath>
#include <memory>
#include <vector>

#include "helpers.h"
#include "layers/activation.h"
#include "layers/batch_norm2d.h"
#include "layers/conv2d.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
#include "layers/pooling.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using heed::test::values;
using Inputs = std::vector<Tensor>;

namespace {

struct ConvCase {
  Shape input, weight;
  Size2d stride, padding, dilation;
  std::int64_t groups;
};

// The definition, one multiply-add at a time, in double:
//   out[n, o, y, x] = bias[o] + sum_{c, i, j} w[o, c, i, j] * in[n, g*C_g + c, y*s - p + i*d, x*s - p + j*d]
std::vector<double> reference_conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvCase& k,
                                     Shape& out_shape) {
  const auto x = values(input), w = values(weight);
  const auto b = bias.defined() ? values(bias) : std::vector<double>(static_cast<std::size_t>(weight.size(0)), 0.0);
  const std::int64_t batch = input.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
  const std::int64_t out_channels = weight.size(0), group_channels = weight.size(1), kh = weight.size(2),
                     kw = weight.size(3);
  const std::int64_t out_h = (height + 2 * k.padding.h - k.dilation.h * (kh - 1) - 1) / k.stride.h + 1;
  const std::int64_t out_w = (width + 2 * k.padding.w - k.dilation.w * (kw - 1) - 1) / k.stride.w + 1;
  out_shape = {batch, out_channels, out_h, out_w};
  std::vector<double> out;
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t o = 0; o < out_channels; ++o)
      for (std::int64_t oy = 0; oy < out_h; ++oy)
        for (std::int64_t ox = 0; ox < out_w; ++ox) {
          const std::int64_t group = o / (out_channels / k.groups);
          double total = b[static_cast<std::size_t>(o)];
          for (std::int64_t c = 0; c < group_channels; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t iy = oy * k.stride.h - k.padding.h + i * k.dilation.h;
                const std::int64_t ix = ox * k.stride.w - k.padding.w + j * k.dilation.w;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                const std::int64_t ci = group * group_channels + c;
                total += w[static_cast<std::size_t>(((o * group_channels + c) * kh + i) * kw + j)] *
                         x[static_cast<std::size_t>(((n * channels + ci) * height + iy) * width + ix)];
              }
          out.push_back(total);
        }
  return out;
}

const std::vector<ConvCase> kConvCases = {
    {{2, 3, 6, 5}, {4, 3, 3, 3}, 1, 0, 1, 1},                 // plain
    {{2, 3, 7, 6}, {4, 3, 3, 3}, 2, 1, 1, 1},                 // stride 2, padding 1
    {{1, 2, 9, 8}, {3, 2, 3, 2}, {1, 2}, {2, 1}, 2, 1},       // dilation 2, rectangular kernel
    {{2, 4, 5, 5}, {6, 2, 3, 3}, 1, 1, 1, 2},                 // groups 2
    {{2, 3, 6, 7}, {3, 1, 3, 3}, {2, 1}, 1, 1, 3},            // depthwise (groups = C)
    {{2, 6, 5, 4}, {6, 2, 1, 1}, 1, 0, 1, 3},                 // 1x1, groups 3
    {{1, 2, 4, 4}, {2, 2, 5, 5}, 1, 2, 1, 1},                 // kernel larger than the image, padded
};

// Batch norm from elementwise ops and autograd alone: the reference for batch_norm2d.
Tensor reference_batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  const Tensor centered = x - mean(x, {0, 2, 3}, /*keepdim=*/true);
  const Tensor variance = mean(square(centered), {0, 2, 3}, /*keepdim=*/true);
  const Shape channel = {1, x.size(1), 1, 1};
  return centered * rsqrt(variance + eps) * weight.reshape(channel) + bias.reshape(channel);
}

}  // namespace

TEST_CASE("conv2d matches the seven-loop definition", "[conv]") {
  std::uint64_t seed = 100;
  for (const ConvCase& k : kConvCases) {
    INFO("input " << shape_str(k.input) << " weight " << shape_str(k.weight) << " groups " << k.groups);
    const Tensor x = random_input(k.input, ++seed).detach();
    const Tensor w = random_input(k.weight, ++seed).detach();
    const Tensor b = random_input({k.weight[0]}, ++seed).detach();
    Shape expected_shape;
    const std::vector<double> expected = reference_conv2d(x, w, b, k, expected_shape);
    const Tensor y = ops::conv2d(x, w, b, k.stride, k.padding, k.dilation, k.groups);
    REQUIRE(y.shape() == expected_shape);
    require_close(y, expected, 1e-12);
    // Without bias, and in float32 (BLIS's sgemm; looser tolerance).
    const std::vector<double> no_bias = reference_conv2d(x, w, Tensor(), k, expected_shape);
    require_close(ops::conv2d(x, w, Tensor(), k.stride, k.padding, k.dilation, k.groups), no_bias, 1e-12);
    const Tensor y32 = ops::conv2d(x.to(DType::Float32), w.to(DType::Float32), b.to(DType::Float32), k.stride,
                                   k.padding, k.dilation, k.groups);
    REQUIRE(y32.dtype() == DType::Float32);
    require_close(y32, expected, 1e-5);
  }
}

TEST_CASE("conv2d reads a non-contiguous input", "[conv]") {
  const Tensor x = random_input({2, 5, 4, 3}, 7).detach().permute({0, 3, 1, 2});  // (2, 3, 5, 4), strided
  const Tensor w = random_input({2, 3, 3, 3}, 8).detach();
  const ConvCase k{x.shape(), w.shape(), 1, 1, 1, 1};
  Shape shape;
  require_close(ops::conv2d(x, w, Tensor(), 1, 1), reference_conv2d(x, w, Tensor(), k, shape), 1e-12);
}

TEST_CASE("gradcheck: conv2d with respect to input, weight and bias", "[conv][gradcheck]") {
  std::uint64_t seed = 200;
  for (const ConvCase& k : kConvCases) {
    INFO("input " << shape_str(k.input) << " weight " << shape_str(k.weight) << " groups " << k.groups);
    Tensor x = random_input(k.input, ++seed);
    Tensor w = random_input(k.weight, ++seed);
    Tensor b = random_input({k.weight[0]}, ++seed);
    REQUIRE_GRADCHECK(
        [k](const Inputs& in) { return conv2d(in[0], in[1], in[2], k.stride, k.padding, k.dilation, k.groups); },
        {x, w, b});
  }
  // Only the weight needs a gradient (a first layer fed with images).
  Tensor image = random_input({2, 1, 5, 5}, 300).detach();
  Tensor w = random_input({3, 1, 3, 3}, 301);
  REQUIRE_GRADCHECK([image](const Inputs& in) { return conv2d(image, in[0], Tensor(), 1, 1); }, {w});
}

TEST_CASE("gradcheck: max, average and adaptive average pooling", "[conv][gradcheck]") {
  Tensor x = random_input({2, 3, 7, 6}, 400);
  REQUIRE_GRADCHECK([](const Inputs& in) { return max_pool2d(in[0], 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return max_pool2d(in[0], 3, 2, 1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return max_pool2d(in[0], {3, 2}, {1, 2}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return avg_pool2d(in[0], 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return avg_pool2d(in[0], 3, 2, 1, /*count_include_pad=*/false); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 3, 4); }, {x});  // 7x6 -> 3x4
  REQUIRE_GRADCHECK([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 1, 1); }, {x});  // divisible
  REQUIRE_GRADCHECK([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 7, 3); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return adaptive_avg_pool2d(in[0], 9, 8); }, {x});  // upsampling
}

TEST_CASE("adaptive_avg_pool2d uses PyTorch's windows, for sizes that divide or not", "[conv]") {
  // Window o of a size-`in` axis cut into `out` pieces: [floor(o in / out), ceil((o + 1) in / out)).
  auto window = [](std::int64_t o, std::int64_t in, std::int64_t out) {
    return std::pair{o * in / out, ((o + 1) * in + out - 1) / out};
  };
  auto reference = [&](const Tensor& x, std::int64_t out_h, std::int64_t out_w) {
    const std::int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
    const auto v = values(x);
    std::vector<double> expected;
    for (std::int64_t plane = 0; plane < planes; ++plane)
      for (std::int64_t oh = 0; oh < out_h; ++oh)
        for (std::int64_t ow = 0; ow < out_w; ++ow) {
          const auto [h0, h1] = window(oh, height, out_h);
          const auto [w0, w1] = window(ow, width, out_w);
          double total = 0;
          for (std::int64_t h = h0; h < h1; ++h)
            for (std::int64_t w = w0; w < w1; ++w)
              total += v[static_cast<std::size_t>((plane * height + h) * width + w)];
          expected.push_back(total / static_cast<double>((h1 - h0) * (w1 - w0)));
        }
    return expected;
  };
  const Tensor x = random_input({2, 3, 7, 5}, 410).detach();
  using Size = std::pair<std::int64_t, std::int64_t>;
  for (const auto& [out_h, out_w] : std::vector<Size>{{3, 2}, {7, 5}, {1, 1}, {4, 9}}) {
    INFO("7x5 -> " << out_h << "x" << out_w);
    const Tensor y = ops::adaptive_avg_pool2d(x, out_h, out_w);
    REQUIRE(y.shape() == Shape{2, 3, out_h, out_w});
    require_close(y, reference(x, out_h, out_w), 1e-12);
  }
  const Tensor z = random_input({1, 2, 8, 6}, 411).detach();  // divisible: the average-pooling path
  require_close(ops::adaptive_avg_pool2d(z, 4, 3), reference(z, 4, 3), 1e-12);
  require_close(ops::adaptive_avg_pool2d(z, 1, 1), reference(z, 1, 1), 1e-12);
}

TEST_CASE("max pool backward routes each gradient to its window's argmax", "[conv]") {
  // One 4x4 plane, 2x2 windows; the maxima sit at (0,1), (1,3), (3,0), (2,2).
  Tensor x = from_vector({0, 9, 1, 2,  //
                          3, 4, 5, 8,  //
                          0, 1, 7, 6,  //
                          9, 2, 3, 1},
                         {1, 1, 4, 4}, DType::Float64);
  x.requires_grad_();
  const Tensor y = max_pool2d(x, 2);
  require_close(y, std::vector<double>{9, 8, 9, 7}, 0);
  const auto [_, indices] = ops::max_pool2d(x.detach(), 2);
  CHECK(indices.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 7, 12, 10});
  (y * from_vector({1, 2, 3, 4}, {1, 1, 2, 2}, DType::Float64)).sum().backward();
  require_close(x.grad(), std::vector<double>{0, 1, 0, 0,  //
                                              0, 0, 0, 2,  //
                                              0, 0, 4, 0,  //
                                              3, 0, 0, 0},
                0);
  // Overlapping windows (stride 1) send several gradients to a shared maximum.
  Tensor peak = from_vector({0, 0, 0, 0, 5, 0, 0, 0, 0}, {1, 1, 3, 3}, DType::Float64);
  peak.requires_grad_();
  max_pool2d(peak, 2, 1).sum().backward();
  require_close(peak.grad(), std::vector<double>{0, 0, 0, 0, 4, 0, 0, 0, 0}, 0);
}

TEST_CASE("max pool agrees with a plain loop for several windows and strides, ties included", "[conv]") {
  // Small integers, so many windows hold ties; odd sizes, so the last row and column are dropped.
  Generator gen(7);
  const Tensor x = from_vector(randint(0, 4, {2, 3, 7, 9}, gen).to_vector<double>(), {2, 3, 7, 9});
  const auto v = values(x);
  const auto plain = [&](std::int64_t k, std::int64_t s) {  // PyTorch's loop, no padding
    const std::int64_t oh = (7 - k) / s + 1, ow = (9 - k) / s + 1;
    std::vector<double> best;
    std::vector<std::int64_t> at;
    for (std::int64_t p = 0; p < 6; ++p)
      for (std::int64_t i = 0; i < oh; ++i)
        for (std::int64_t j = 0; j < ow; ++j) {
          double m = -INFINITY;
          std::int64_t where = i * s * 9 + j * s;
          for (std::int64_t di = 0; di < k; ++di)
            for (std::int64_t dj = 0; dj < k; ++dj) {
              const std::int64_t pos = (i * s + di) * 9 + j * s + dj;
              if (v[static_cast<std::size_t>(p * 63 + pos)] > m) m = v[static_cast<std::size_t>(p * 63 + pos)], where = pos;
            }
          best.push_back(m);
          at.push_back(where);
        }
    return std::pair{best, at};
  };
  for (const auto& [k, s] : {std::pair<std::int64_t, std::int64_t>{2, 2}, {3, 2}, {2, 1}}) {
    INFO("kernel " << k << ", stride " << s);
    const auto [out, indices] = ops::max_pool2d(x, k, s);
    const auto [best, at] = plain(k, s);
    require_close(out, best, 0);
    REQUIRE(indices.to_vector<std::int64_t>() == at);
  }
}

TEST_CASE("max pool breaks ties and treats NaN and -inf as PyTorch does", "[conv]") {
  const double nan = std::nan(""), inf = INFINITY;
  // Windows of 2x2: a tie (the first wins), two NaNs (the last wins), all -inf (the first pixel).
  const Tensor x = from_vector({2, 1, nan, 0, -inf, -inf,  //
                                0, 2, 5, nan, -inf, -inf},
                               {1, 1, 2, 6}, DType::Float64);
  const auto [values_out, indices] = ops::max_pool2d(x, 2);
  const auto got = values(values_out);
  CHECK(got[0] == 2);
  CHECK(std::isnan(got[1]));
  CHECK(got[2] == -inf);
  CHECK(indices.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 9, 4});
  // With padding, the first real pixel of a window is its default argmax.
  const auto [_, padded] = ops::max_pool2d(full({1, 1, 2, 2}, -inf, DType::Float64), 2, 2, 1);
  CHECK(padded.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
}

TEST_CASE("batch_norm2d matches batch norm composed of elementwise ops", "[conv]") {
  const Tensor x = random_input({4, 3, 5, 6}, 500, -2.0, 3.0).detach();
  const Tensor weight = random_input({3}, 501).detach();
  const Tensor bias = random_input({3}, 502).detach();
  const Tensor projection = random_input({4, 3, 5, 6}, 503).detach();
  auto run = [&](bool fast) {
    Tensor xi = clone(x).requires_grad_(), wi = clone(weight).requires_grad_(), bi = clone(bias).requires_grad_();
    const Tensor y = fast ? batch_norm2d(xi, wi, bi, Tensor(), Tensor(), /*training=*/true, 0.1, 1e-5)
                          : reference_batch_norm(xi, wi, bi, 1e-5);
    (y * projection).sum().backward();
    return std::vector<Tensor>{y.detach(), xi.grad(), wi.grad(), bi.grad()};
  };
  const auto fast = run(true), reference = run(false);
  for (std::size_t i = 0; i < fast.size(); ++i) {
    INFO("output, then the gradients of x, weight, bias: " << i);
    require_close(fast[i], reference[i], 1e-10);
  }
}

TEST_CASE("gradcheck: BatchNorm2d in training and evaluation mode", "[conv][gradcheck]") {
  Tensor x = random_input({3, 2, 4, 3}, 600, -1.0, 2.0);
  Tensor weight = random_input({2}, 601);
  Tensor bias = random_input({2}, 602);
  // Training: the batch statistics depend on x, so every input element moves every output of its channel.
  REQUIRE_GRADCHECK([](const Inputs& in) { return batch_norm2d(in[0], in[1], in[2], Tensor(), Tensor(), true); },
                    {x, weight, bias});
  REQUIRE_GRADCHECK([](const Inputs& in) { return batch_norm2d(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
                    {x});
  // Evaluation: fixed running statistics.
  const Tensor running_mean = from_vector({0.3, -0.2}, {2}, DType::Float64);
  const Tensor running_var = from_vector({0.5, 1.7}, {2}, DType::Float64);
  REQUIRE_GRADCHECK([&](const Inputs& in) {
    return batch_norm2d(in[0], in[1], in[2], running_mean, running_var, /*training=*/false);
  }, {x, weight, bias});
  // Through the layer, in both modes (the running statistics move on every training call,
  // which does not change what a training forward pass computes).
  BatchNorm2d layer(2, 1e-5, 0.1, /*affine=*/true, DType::Float64);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); }, {x});
  layer.eval();
  REQUIRE_GRADCHECK([&](const Inputs& in) { return layer(in[0]); }, {x});
}

TEST_CASE("BatchNorm2d updates its running statistics while training only", "[conv]") {
  BatchNorm2d layer(3, 1e-5, /*momentum=*/0.25, true, DType::Float64);
  const Tensor x = random_input({4, 3, 2, 5}, 700, 0.0, 4.0).detach();
  const Tensor batch_mean = ops::mean(x, {0, 2, 3});
  const Tensor batch_var = ops::var(x, {0, 2, 3}, /*correction=*/1);  // unbiased, as PyTorch's running_var
  const Tensor mean_before = ops::clone(layer.running_mean);
  const Tensor var_before = ops::clone(layer.running_var);

  const Tensor y = layer(x);
  require_close(layer.running_mean, ops::add(ops::mul(mean_before, 0.75), ops::mul(batch_mean, 0.25)), 1e-12);
  require_close(layer.running_var, ops::add(ops::mul(var_before, 0.75), ops::mul(batch_var, 0.25)), 1e-12);
  CHECK(layer.num_batches_tracked.item() == 1);
  // Normalized with the biased batch variance: each channel of the output has mean 0, variance ~1.
  require_close(ops::mean(y, {0, 2, 3}), std::vector<double>{0, 0, 0}, 1e-10);
  require_close(ops::var(y, {0, 2, 3}, 0), std::vector<double>{1, 1, 1}, 1e-4);

  layer.eval();
  const Tensor mean_after = ops::clone(layer.running_mean);
  const Tensor z = layer(x);
  require_close(layer.running_mean, mean_after, 0);
  CHECK(layer.num_batches_tracked.item() == 1);
  // Evaluation normalizes with the running statistics.
  const Shape channel = {1, 3, 1, 1};
  require_close(z, ops::div(ops::sub(x, ops::reshape(layer.running_mean, channel)),
                            ops::sqrt(ops::add(ops::reshape(layer.running_var, channel), 1e-5))),
                1e-12);
  // The buffers are in the state dict, with PyTorch's names.
  std::vector<std::string> names;
  for (const auto& [name, _] : layer.state_dict()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
}

TEST_CASE("convolution and pooling explain wrong arguments", "[conv]") {
  const Tensor image = zeros({3, 28, 28});
  const Tensor weight = zeros({8, 3, 3, 3});
  REQUIRE_THROWS_WITH(conv2d(image, weight), Catch::Contains("conv2d: expected input (N,C,H,W), got (3,28,28)"));
  REQUIRE_THROWS_WITH(conv2d(zeros({2, 4, 8, 8}), weight),
                      Catch::Contains("input (2,4,8,8) has 4 channels but weight (8,3,3,3) with groups 1 expects 3"));
  REQUIRE_THROWS_WITH(conv2d(zeros({2, 6, 8, 8}), zeros({8, 2, 3, 3}), Tensor(), 1, 0, 1, 4),
                      Catch::Contains("groups 4 does not divide the 6 input channels"));
  REQUIRE_THROWS_WITH(conv2d(zeros({2, 3, 8, 8}), weight, zeros({4})), Catch::Contains("expected bias (8,)"));
  REQUIRE_THROWS_WITH(conv2d(zeros({1, 3, 2, 2}), weight), Catch::Contains("more than the padded input 2x2"));
  REQUIRE_THROWS_WITH(conv2d(zeros({1, 3, 8, 8}), weight, Tensor(), 0), Catch::Contains("stride must be positive"));
  REQUIRE_THROWS_WITH(conv2d(zeros({1, 3, 8, 8}, DType::Float64), weight),
                      Catch::Contains("float64 but weight is float32"));
  REQUIRE_THROWS_WITH(Conv2d(6, 8, 3, 1, 0, 1, /*groups=*/4), Catch::Contains("groups = 4 must divide both"));
  Conv2d layer(3, 8, 3);
  REQUIRE_THROWS_WITH(layer(zeros({1, 1, 28, 28})), Catch::Contains("built for in_channels = 3"));
  REQUIRE_THROWS_WITH(max_pool2d(zeros({28, 28}), 2),
                      Catch::Contains("max_pool2d: expected input (N,C,H,W), got (28,28)"));
  REQUIRE_THROWS_WITH(max_pool2d(zeros({1, 1, 4, 4}), 2, 2, 2), Catch::Contains("at most half the kernel"));
  REQUIRE_THROWS_WITH(avg_pool2d(zeros({1, 1, 2, 2}), 3), Catch::Contains("larger than the padded input"));
  REQUIRE_THROWS_WITH(batch_norm2d(zeros({1, 3, 1, 1}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                      Catch::Contains("more than one value per channel"));
  BatchNorm2d norm(4);
  REQUIRE_THROWS_WITH(norm(zeros({2, 3, 4, 4})), Catch::Contains("built for num_features = 4"));
}

TEST_CASE("CnnClassifier maps images to class scores", "[conv]") {
  Generator gen(1);
  CnnClassifier model(CnnConfig{}, gen);
  const Tensor images = randn({5, 1, 28, 28}, gen);
  const Tensor logits = model(images);
  CHECK(logits.shape() == Shape{5, 10});
  // Names of the parameter tree, as checkpoints store them.
  std::vector<std::string> names;
  for (const auto& [name, _] : model.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"blocks.0.conv.weight", "blocks.0.norm.weight", "blocks.0.norm.bias",
                                          "blocks.1.conv.weight", "blocks.1.norm.weight", "blocks.1.norm.bias",
                                          "hidden.weight", "hidden.bias", "classifier.weight", "classifier.bias"});
  CHECK(model.num_parameters() == (9 * 32 + 64) + (32 * 9 * 64 + 128) + (64 * 7 * 7 * 128 + 128) + (128 * 10 + 10));
  REQUIRE_THROWS_WITH(model(randn({5, 1, 32, 32}, gen)),
                      Catch::Contains("expected images (B,1,28,28), got (5,1,32,32)"));

  // Other configurations: no batch norm (the convolutions get biases), no hidden layer, three blocks, RGB.
  CnnClassifier plain(CnnConfig{.in_channels = 3, .image_size = 20, .channels = {8, 8, 16}, .kernel = 5,
                                .num_classes = 4, .batch_norm = false, .dropout = 0.3, .hidden = 0},
                      gen);
  CHECK(plain(randn({2, 3, 20, 20}, gen)).shape() == Shape{2, 4});
  CHECK(plain.block_size(2) == 5);
}

TEST_CASE("CnnClassifier takes an attention module after a block", "[conv]") {
  Generator gen(2);
  CnnClassifier model(CnnConfig{.channels = {4, 8}, .hidden = 16}, gen);
  REQUIRE(model.block_attention().size() == 2);
  CHECK(model.block_attention()[0] == nullptr);
  // Any shape-preserving module will do; a 1x1 convolution stands in for SE or CBAM.
  model.attach_attention(1, std::make_shared<Conv2d>(model.block_channels(1), model.block_channels(1), 1, 1, 0, 1, 1,
                                                     true, gen));
  CHECK(model.block_attention()[1] != nullptr);
  bool registered = false;
  for (const auto& [name, _] : model.named_parameters()) registered = registered || name == "blocks.1.attention.weight";
  CHECK(registered);
  CHECK(model(randn({3, 1, 28, 28}, gen)).shape() == Shape{3, 10});
  REQUIRE_THROWS_WITH(model.attach_attention(1, std::make_shared<ReLU>()), Catch::Contains("already has an attention"));
  REQUIRE_THROWS_WITH(model.attach_attention(2, std::make_shared<ReLU>()), Catch::Contains("the model has 2 blocks"));
}

TEST_CASE("CnnClassifier learns random labels of a small batch", "[conv]") {
  Generator gen(3);
  CnnClassifier model(CnnConfig{.channels = {8, 16}, .hidden = 32}, gen);
  const Tensor images = randn({32, 1, 28, 28}, gen);
  const Tensor labels = randint(0, 10, {32}, gen);
  optim::Adam optimizer(model.parameters(), {.lr = 3e-3});
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    const Tensor loss = cross_entropy(model(images), labels);
    if (step == 0) first = loss.item();
    last = loss.item();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
  }
  INFO("loss " << first << " -> " << last);
  CHECK(std::isfinite(last));
  CHECK(last < 0.5 * first);
}
