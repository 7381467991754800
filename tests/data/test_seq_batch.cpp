// Padded sequence batches and the seeded, resumable SeqLoader.
#include "helpers.h"

#include <algorithm>
#include <set>

#include "data/seq_batch.h"

using namespace heed;
using namespace heed::data;
using heed::test::values;
using Ids = std::vector<std::int64_t>;

namespace {

std::vector<Example> reverse_examples(std::int64_t count) {
  Generator gen(3);
  std::vector<Example> examples;
  for (std::int64_t i = 0; i < count; ++i) examples.push_back(make_reverse_example(gen, 1, 9));
  return examples;
}

struct Fixture {
  std::vector<Example> examples = reverse_examples(100);
  CharTokenizer tokenizer;
  Vocab vocab = Vocab::build(sources_of(examples), tokenizer);

  SeqLoader loader(std::int64_t batch_size, bool shuffle, std::uint64_t seed, bool bucket = false) const {
    return SeqLoader(examples, vocab, vocab, tokenizer, tokenizer, batch_size, shuffle, seed, bucket);
  }
};

std::vector<Ids> epoch_of(SeqLoader& loader) {
  std::vector<Ids> batches;
  for (std::int64_t b = 0; b < loader.num_batches(); ++b) batches.push_back(loader.next().example_indices);
  return batches;
}

void require_same_batch(const SeqBatch& a, const SeqBatch& b) {
  REQUIRE(a.example_indices == b.example_indices);
  const std::vector<std::pair<Tensor, Tensor>> pairs = {{a.src, b.src},         {a.src_lengths, b.src_lengths},
                                                        {a.src_mask, b.src_mask}, {a.tgt_in, b.tgt_in},
                                                        {a.tgt_out, b.tgt_out},   {a.tgt_mask, b.tgt_mask}};
  for (const auto& [x, y] : pairs) {
    REQUIRE(x.shape() == y.shape());
    REQUIRE(values(x) == values(y));
  }
}

}  // namespace

TEST_CASE("collate pads sources and frames targets with <bos> and <eos>", "[data]") {
  const SeqBatch batch = collate({{5, 6, 7}, {8}}, {{9, 10}, {11, 12, 13, 14}});
  REQUIRE(batch.size() == 2);
  REQUIRE(batch.src.shape() == Shape{2, 3});
  REQUIRE(batch.src.dtype() == DType::Int64);
  REQUIRE(values(batch.src) == std::vector<double>{5, 6, 7, 8, 0, 0});
  REQUIRE(values(batch.src_lengths) == std::vector<double>{3, 1});
  REQUIRE(batch.src_mask.dtype() == DType::Float32);
  REQUIRE(values(batch.src_mask) == std::vector<double>{1, 1, 1, 1, 0, 0});
  // T = longest target + 1.
  REQUIRE(batch.tgt_in.shape() == Shape{2, 5});
  REQUIRE(values(batch.tgt_in) == std::vector<double>{1, 9, 10, 0, 0, 1, 11, 12, 13, 14});
  REQUIRE(values(batch.tgt_out) == std::vector<double>{9, 10, 2, 0, 0, 11, 12, 13, 14, 2});
  REQUIRE(values(batch.tgt_mask) == std::vector<double>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1});
  REQUIRE(batch.example_indices == Ids{0, 1});
  REQUIRE_THROWS_WITH(collate({{1}}, {}), Catch::Contains("1 sources and 0 targets"));
}

TEST_CASE("SeqLoader batches have the right shapes, padding, masks and specials", "[data]") {
  const Fixture fixture;
  SeqLoader loader = fixture.loader(16, /*shuffle=*/true, 1);
  REQUIRE(loader.num_examples() == 100);
  REQUIRE(loader.num_batches() == 7);  // 6 full batches and one of 4
  std::multiset<std::int64_t> seen;
  for (std::int64_t b = 0; b < loader.num_batches(); ++b) {
    const SeqBatch batch = loader.next();
    REQUIRE(batch.size() == (b < 6 ? 16 : 4));
    const std::int64_t rows = batch.size();
    const std::int64_t S = batch.src.size(1);
    const std::int64_t T = batch.tgt_in.size(1);
    REQUIRE(batch.src.shape() == Shape{rows, S});
    REQUIRE(batch.src_mask.shape() == Shape{rows, S});
    REQUIRE(batch.src_lengths.shape() == Shape{rows});
    REQUIRE(batch.tgt_out.shape() == Shape{rows, T});
    REQUIRE(batch.tgt_mask.shape() == Shape{rows, T});
    const auto src = batch.src.to_vector<std::int64_t>();
    const auto src_mask = batch.src_mask.to_vector<float>();
    const auto lengths = batch.src_lengths.to_vector<std::int64_t>();
    const auto tgt_in = batch.tgt_in.to_vector<std::int64_t>();
    const auto tgt_out = batch.tgt_out.to_vector<std::int64_t>();
    const auto tgt_mask = batch.tgt_mask.to_vector<float>();
    REQUIRE(*std::max_element(lengths.begin(), lengths.end()) == S);  // no all-padding column
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t index = batch.example_indices[static_cast<std::size_t>(r)];
      seen.insert(index);
      const Example& example = fixture.examples[static_cast<std::size_t>(index)];
      const Ids source_ids = fixture.vocab.encode(fixture.tokenizer.tokenize(example.source));
      const Ids target_ids = fixture.vocab.encode(fixture.tokenizer.tokenize(example.target));
      const auto n = static_cast<std::int64_t>(source_ids.size());
      const auto m = static_cast<std::int64_t>(target_ids.size());
      REQUIRE(lengths[static_cast<std::size_t>(r)] == n);
      for (std::int64_t i = 0; i < S; ++i) {
        const auto at = static_cast<std::size_t>(r * S + i);
        REQUIRE(src[at] == (i < n ? source_ids[static_cast<std::size_t>(i)] : Vocab::kPad));
        REQUIRE(src_mask[at] == (i < n ? 1.0f : 0.0f));
      }
      for (std::int64_t t = 0; t < T; ++t) {
        const auto at = static_cast<std::size_t>(r * T + t);
        // tgt_in: <bos> y1 .. ym <pad> ..;  tgt_out: y1 .. ym <eos> <pad> ..
        std::int64_t expected_in = Vocab::kPad;
        if (t == 0) expected_in = Vocab::kBos;
        if (t >= 1 && t <= m) expected_in = target_ids[static_cast<std::size_t>(t - 1)];
        std::int64_t expected_out = Vocab::kPad;
        if (t < m) expected_out = target_ids[static_cast<std::size_t>(t)];
        if (t == m) expected_out = Vocab::kEos;
        REQUIRE(tgt_in[at] == expected_in);
        REQUIRE(tgt_out[at] == expected_out);
        REQUIRE(tgt_mask[at] == (t <= m ? 1.0f : 0.0f));
      }
      // Decoding the target row gives the example's target back.
      const Ids row(tgt_out.begin() + r * T, tgt_out.begin() + (r + 1) * T);
      REQUIRE(fixture.tokenizer.detokenize(fixture.vocab.decode(row)) == example.target);
    }
  }
  REQUIRE(seen.size() == 100);
  REQUIRE(std::set<std::int64_t>(seen.begin(), seen.end()).size() == 100);  // each example exactly once
  REQUIRE(loader.epoch_done());
}

TEST_CASE("SeqLoader order is seeded: same seed same batches, new epoch new order", "[data]") {
  const Fixture fixture;
  SeqLoader first = fixture.loader(8, true, 42);
  SeqLoader second = fixture.loader(8, true, 42);
  const auto epoch0 = epoch_of(first);
  REQUIRE(epoch_of(second) == epoch0);
  SeqLoader other_seed = fixture.loader(8, true, 43);
  REQUIRE(epoch_of(other_seed) != epoch0);

  // next() past the end starts epoch 1, in a new order; set_epoch replays any epoch.
  const auto epoch1 = epoch_of(first);
  REQUIRE(first.epoch() == 1);
  REQUIRE(epoch1 != epoch0);
  second.set_epoch(1);
  REQUIRE(epoch_of(second) == epoch1);
  second.set_epoch(0);
  REQUIRE(epoch_of(second) == epoch0);

  // Without shuffling, the order is the examples' order in every epoch.
  SeqLoader in_order = fixture.loader(8, false, 42);
  REQUIRE(in_order.next().example_indices == Ids{0, 1, 2, 3, 4, 5, 6, 7});
  in_order.set_epoch(5);
  REQUIRE(in_order.next().example_indices == Ids{0, 1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("SeqLoader state restores a run exactly", "[data]") {
  const Fixture fixture;
  SeqLoader original = fixture.loader(8, true, 9, /*bucket=*/true);
  for (int step = 0; step < 17; ++step) original.next();  // into the second epoch
  const LoaderState saved = original.state();
  REQUIRE(saved == LoaderState{1, 4});
  // A state travels through JSON, as it does in a checkpoint.
  const nlohmann::json json = saved;
  REQUIRE(json == nlohmann::json{{"epoch", 1}, {"position", 4}});

  SeqLoader resumed = fixture.loader(8, true, 9, true);
  resumed.set_state(json.get<LoaderState>());
  for (int step = 0; step < 30; ++step) require_same_batch(original.next(), resumed.next());
  REQUIRE(resumed.state() == original.state());
  REQUIRE_THROWS_WITH(resumed.set_state({0, 99}), Catch::Contains("position 99"));
}

TEST_CASE("bucketing by length cuts padding and still covers every example once", "[data]") {
  Fixture fixture;
  fixture.examples = reverse_examples(2000);
  auto padding_of = [](SeqLoader& loader) {
    double padding = 0;
    std::set<std::int64_t> seen;
    for (std::int64_t b = 0; b < loader.num_batches(); ++b) {
      const SeqBatch batch = loader.next();
      padding += static_cast<double>(batch.src_mask.numel()) - ops::sum(batch.src_mask).item();
      seen.insert(batch.example_indices.begin(), batch.example_indices.end());
    }
    REQUIRE(seen.size() == 2000);
    return padding;
  };
  SeqLoader plain = fixture.loader(16, true, 5);
  SeqLoader bucketed = fixture.loader(16, true, 5, /*bucket=*/true);
  REQUIRE(bucketed.num_batches() == plain.num_batches());
  REQUIRE(padding_of(bucketed) < 0.3 * padding_of(plain));
  // Batches of all lengths are spread through the epoch, not sorted short to long.
  bucketed.set_epoch(3);
  std::vector<std::int64_t> first_lengths;
  for (int b = 0; b < 8; ++b) first_lengths.push_back(bucketed.next().src.size(1));
  REQUIRE_FALSE(std::is_sorted(first_lengths.begin(), first_lengths.end()));
}

TEST_CASE("SeqLoader maps unseen tokens to <unk> and refuses bad arguments", "[data]") {
  const CharTokenizer tokenizer;
  Vocab vocab;
  vocab.add("a");
  const std::vector<Example> examples = {{"ab", "ba"}};
  SeqLoader loader(examples, vocab, vocab, tokenizer, tokenizer, 4, false, 0);
  const SeqBatch batch = loader.next();
  REQUIRE(values(batch.src) == std::vector<double>{4, 3});
  REQUIRE(values(batch.tgt_out) == std::vector<double>{3, 4, 2});
  REQUIRE_THROWS_WITH(SeqLoader({}, vocab, vocab, tokenizer, tokenizer, 4, false, 0), Catch::Contains("no examples"));
  REQUIRE_THROWS_WITH(SeqLoader(examples, vocab, vocab, tokenizer, tokenizer, 0, false, 0),
                      Catch::Contains("batch_size"));
}
