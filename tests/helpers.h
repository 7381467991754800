// Small helpers shared by the test files.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "heed.h"
#include "layers/module.h"

namespace heed::test {

inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

// A tensor as one row, for gradient checks of functions with several outputs: concat({flat(a), flat(b)}).
inline Tensor flat(const Tensor& t) { return reshape(t, {-1}); }

// Float64 tensor of the given shape with values drawn from a fixed seed, ready for gradcheck.
// The inputs of a gradient check followed by every parameter of the module.
inline std::vector<Tensor> with_parameters(std::vector<Tensor> inputs, const Module& module) {
  for (const Tensor& param : module.parameters()) inputs.push_back(param);
  return inputs;
}

inline Tensor random_input(const Shape& shape, std::uint64_t seed, double low = -1.0, double high = 1.0) {
  Generator gen(seed);
  Tensor t = uniform(shape, low, high, gen, DType::Float64);
  t.requires_grad_();
  return t;
}

// Elementwise comparison with a tolerance; reports the first mismatch.
inline void require_close(const Tensor& actual, const std::vector<double>& expected, double tol = 1e-5) {
  const auto got = values(actual);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    if (std::isnan(expected[i])) {
      REQUIRE(std::isnan(got[i]));
    } else if (std::isinf(expected[i])) {
      REQUIRE(got[i] == expected[i]);
    } else {
      REQUIRE(std::abs(got[i] - expected[i]) <= tol * (1 + std::abs(expected[i])));
    }
  }
}

inline void require_close(const Tensor& actual, const Tensor& expected, double tol = 1e-5) {
  REQUIRE(actual.shape() == expected.shape());
  require_close(actual, values(expected), tol);
}

}  // namespace heed::test

// REQUIRE_GRADCHECK(lambda, {inputs...}): the analytic gradient matches central differences.
#define REQUIRE_GRADCHECK(fn, ...)                                   \
  do {                                                               \
    const auto gc_result = ::heed::gradcheck(fn, __VA_ARGS__);       \
    INFO(gc_result.message);                                         \
    REQUIRE(gc_result.ok);                                           \
  } while (0)
