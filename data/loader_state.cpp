#include "data/loader_state.h"

#include <numeric>
#include <utility>

namespace heed::data {
namespace {
// splitmix64's finaliser: a bijection on 64 bits in which every input bit flips about half the
// output bits, so hashing the parts in turn gives unrelated seeds for neighbouring inputs.
std::uint64_t mix64(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace

Generator loader_generator(std::uint64_t seed, std::int64_t epoch, std::int64_t stream) {
  std::uint64_t mixed = mix64(seed);
  mixed = mix64(mixed ^ static_cast<std::uint64_t>(epoch));
  mixed = mix64(mixed ^ static_cast<std::uint64_t>(stream));
  return Generator(mixed);
}

Generator example_generator(std::uint64_t seed, std::int64_t stream, std::int64_t index) {
  std::uint64_t mixed = mix64(seed ^ 0x6578616D706C6573ULL);  // the bytes of "examples"
  mixed = mix64(mixed ^ static_cast<std::uint64_t>(stream));
  mixed = mix64(mixed ^ static_cast<std::uint64_t>(index));
  return Generator(mixed);
}

std::vector<std::int64_t> shuffled_indices(std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(gen.randint(0, i + 1))]);
  }
  return order;
}

}  // namespace heed::data
