// What the loaders (SeqLoader, ImageLoader, ...) share: their resumable state, the rule that
// orders an epoch, and the seeding of generated examples.
//
// A loader's position is two numbers: the epoch and the index of the next batch in it. The
// order of an epoch is a pure function of (seed, epoch), and any randomness inside a batch
// (augmentation) a pure function of (seed, epoch, batch index), so saving LoaderState in a
// checkpoint and restoring it makes a resumed run see exactly the batches an uninterrupted run
// would have seen. nlohmann-json converts it both ways: json j = state; j.get<LoaderState>().
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/random.h"

namespace heed::data {

struct LoaderState {
  std::int64_t epoch = 0;
  std::int64_t position = 0;  // the next batch to hand out, 0..num_batches
  bool operator==(const LoaderState&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LoaderState, epoch, position)

// A generator for (seed, epoch, stream): the three are mixed so that nearby seeds and epochs
// give unrelated sequences (seed 1 epoch 0 must not replay seed 0 epoch 1).
Generator loader_generator(std::uint64_t seed, std::int64_t epoch, std::int64_t stream = 0);

// A generator for example `index` of a generated data set (a caption, a cluttered canvas), drawn
// from (seed, stream, index) alone: an example never depends on which other examples exist (a
// --train-limit), on their order or on a loader's position. Each split passes its own stream.
// Its mixing starts from another constant than loader_generator's, so the two never coincide.
Generator example_generator(std::uint64_t seed, std::int64_t stream, std::int64_t index);

// 0..n-1 in a Fisher-Yates order drawn from `gen`.
std::vector<std::int64_t> shuffled_indices(std::int64_t n, Generator& gen);

}  // namespace heed::data
