// Generator: the seeded source of every random number in heed.
//
// xoshiro256** (Blackman & Vigna 2018): 256 bits of state, fast, and easy to
// save in a checkpoint so a resumed run draws the same numbers as an
// uninterrupted one. Seeding goes through splitmix64, as the authors advise.
#pragma once

#include <array>
#include <cstdint>

namespace heed {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) { seed_(seed); }

  void seed_(std::uint64_t seed);
  std::uint64_t next_u64();
  double uniform();                             // [0, 1), 53 random bits
  double normal();                              // standard normal (Box-Muller, caches the pair)
  std::int64_t randint(std::int64_t low, std::int64_t high);  // [low, high), unbiased

  // The complete state, for checkpoints.
  struct State {
    std::array<std::uint64_t, 4> s{};
    bool has_spare = false;
    double spare = 0;
  };
  State state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  State state_;
};

// The process-wide generator used when a caller has none of its own.
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace heed
