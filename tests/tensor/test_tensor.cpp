// Creation, dtypes, seeded randomness, item/to_vector, memory accounting.
#include "helpers.h"

using namespace heed;
using heed::test::require_close;

TEST_CASE("creators give the shape, dtype and values asked for", "[tensor]") {
  Tensor z = zeros({2, 3});
  REQUIRE(z.shape() == Shape{2, 3});
  REQUIRE(z.dtype() == DType::Float32);
  REQUIRE(z.numel() == 6);
  REQUIRE(z.strides() == Strides{3, 1});
  require_close(z, {0, 0, 0, 0, 0, 0});
  require_close(ones({2}, DType::Float64), {1, 1});
  require_close(full({3}, 2.5, DType::Float64), {2.5, 2.5, 2.5});
  Tensor r = arange(5);
  REQUIRE(r.dtype() == DType::Int64);
  REQUIRE(r.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  require_close(arange(1, 2, 0.25, DType::Float32), {1, 1.25, 1.5, 1.75});
  REQUIRE(scalar_tensor(4.0).dim() == 0);
  REQUIRE(scalar_tensor(4.0).item() == 4.0);
  Tensor v = from_vector(std::vector<std::int32_t>{7, 8, 9, 10}, {2, 2});
  REQUIRE(v.dtype() == DType::Int32);
  REQUIRE(v.to_vector<std::int32_t>() == std::vector<std::int32_t>{7, 8, 9, 10});
}

TEST_CASE("the same seed draws the same tensor", "[tensor][random]") {
  Generator g1(42), g2(42), g3(43);
  const auto a = randn({100}, g1).to_vector<float>();
  const auto b = randn({100}, g2).to_vector<float>();
  const auto c = randn({100}, g3).to_vector<float>();
  REQUIRE(a == b);
  REQUIRE(a != c);
  // Saving and restoring the state replays the stream (checkpoints rely on it).
  Generator g(7);
  g.normal();
  const auto state = g.state();
  const double next = g.normal();
  g.set_state(state);
  REQUIRE(g.normal() == next);
}

TEST_CASE("random tensors have the right distribution", "[tensor][random]") {
  Generator gen(1);
  const auto n = randn({20000}, gen, DType::Float64).to_vector<double>();
  double mean = 0, sq = 0;
  for (double v : n) mean += v;
  mean /= static_cast<double>(n.size());
  for (double v : n) sq += (v - mean) * (v - mean);
  REQUIRE(std::abs(mean) < 0.03);
  REQUIRE(std::abs(sq / static_cast<double>(n.size()) - 1.0) < 0.05);
  const auto u = rand({1000}, gen).to_vector<float>();
  for (float v : u) REQUIRE((v >= 0.0f && v < 1.0f));
  const auto k = randint(3, 6, {1000}, gen).to_vector<std::int64_t>();
  for (auto v : k) REQUIRE((v >= 3 && v < 6));
}

TEST_CASE("to(dtype) converts values", "[tensor]") {
  Tensor f = from_vector({1.7, -2.2, 3.0}, {3}, DType::Float64);
  Tensor i = f.to(DType::Int64);
  REQUIRE(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3});
  require_close(i.to(DType::Float32), {1, -2, 3});
}

TEST_CASE("item needs exactly one element", "[tensor][errors]") {
  REQUIRE_THROWS_WITH(zeros({2, 2}).item(), Catch::Contains("item") && Catch::Contains("(2,2)"));
}

TEST_CASE("storage is counted for peak-memory reports", "[tensor][memory]") {
  reset_peak_memory();
  const auto before = memory_stats().current_bytes;
  {
    Tensor big = zeros({1024, 256});  // 1 MiB
    REQUIRE(memory_stats().current_bytes - before == 1024 * 256 * 4);
  }
  REQUIRE(memory_stats().current_bytes == before);
  REQUIRE(memory_stats().peak_bytes - before >= 1024 * 256 * 4);
}
