// The RNN encoder-decoder: shapes, attention weights over real source
// positions, gradients, greedy and beam decoding, and a short training run on
// the `reverse` toy task that must bring the loss down.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/loss.h"
#include "layers/models/seq2seq.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::require_close;
using Inputs = std::vector<Tensor>;

namespace {

// A batch of the `reverse` task: the target is the source backwards, then <eos>.
struct ReverseBatch {
  Tensor src;          // (B, S) int64, padded with 0
  Tensor src_lengths;  // (B) int64
  Tensor tgt_in;       // (B, S + 1): <bos> y_1 .. y_n, padded
  Tensor tgt_out;      // (B, S + 1): y_1 .. y_n <eos>, padded
};

ReverseBatch reverse_batch(std::int64_t batch, std::int64_t max_len, std::int64_t vocab, Generator& gen) {
  std::vector<std::int64_t> src(batch * max_len, Seq2Seq::kPad), lengths(batch);
  std::vector<std::int64_t> tgt_in(batch * (max_len + 1), Seq2Seq::kPad), tgt_out(tgt_in.size(), Seq2Seq::kPad);
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t len = gen.randint(2, max_len + 1);
    lengths[b] = len;
    for (std::int64_t t = 0; t < len; ++t) src[b * max_len + t] = gen.randint(Seq2Seq::kEos + 1, vocab);
    tgt_in[b * (max_len + 1)] = Seq2Seq::kBos;
    for (std::int64_t t = 0; t < len; ++t) {
      const std::int64_t token = src[b * max_len + (len - 1 - t)];
      tgt_in[b * (max_len + 1) + t + 1] = token;
      tgt_out[b * (max_len + 1) + t] = token;
    }
    tgt_out[b * (max_len + 1) + len] = Seq2Seq::kEos;
  }
  return {from_vector(src, {batch, max_len}), from_vector(lengths, {batch}),
          from_vector(tgt_in, {batch, max_len + 1}), from_vector(tgt_out, {batch, max_len + 1})};
}

std::vector<std::int64_t> row_until_eos(const Tensor& tokens, std::int64_t b) {
  std::vector<std::int64_t> row;
  for (std::int64_t id : select(tokens, 0, b).to_vector<std::int64_t>()) {
    if (id == Seq2Seq::kPad) break;
    row.push_back(id);
    if (id == Seq2Seq::kEos) break;
  }
  return row;
}

}  // namespace

TEST_CASE("seq2seq: forward shapes and parameter names", "[seq2seq]") {
  Generator gen(1);
  const ReverseBatch data = reverse_batch(3, 5, 9, gen);
  SECTION("GRU, bidirectional, additive") {
    Seq2Seq model({.src_vocab = 9, .tgt_vocab = 11, .embed_dim = 6, .hidden = 8}, gen);
    const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
    CHECK(out.logits.shape() == Shape{3, 6, 11});
    CHECK(out.attention.shape() == Shape{3, 6, 5});
    std::vector<std::string> names;
    for (const auto& [name, _] : model.named_parameters()) names.push_back(name);
    for (const std::string expected : {"src_embed.weight", "encoder.weight_ih_l0_reverse", "bridge.weight",
                                       "attention.query_proj.weight", "attention.key_proj.weight", "attention.v",
                                       "tgt_embed.weight", "decoder.weight_ih", "output.bias"})
      CHECK(std::find(names.begin(), names.end(), expected) != names.end());
    CHECK(model.decoder->named_parameters()[0].second.shape() == Shape{24, 6 + 16});  // [E; C] with C = 2H
  }
  SECTION("LSTM, two layers, one direction") {
    Seq2Seq model({.src_vocab = 9, .tgt_vocab = 11, .embed_dim = 6, .hidden = 8, .cell = "lstm",
                   .bidirectional = false, .encoder_layers = 2},
                  gen);
    const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
    CHECK(out.logits.shape() == Shape{3, 6, 11});
    CHECK(out.attention.shape() == Shape{3, 6, 5});
  }
  SECTION("no attention: no weights, the decoder reads only embeddings") {
    Seq2Seq model({.src_vocab = 9, .tgt_vocab = 11, .embed_dim = 6, .hidden = 8, .attention = "none"}, gen);
    const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
    CHECK(out.logits.shape() == Shape{3, 6, 11});
    CHECK_FALSE(out.attention.defined());
    CHECK(model.decoder->named_parameters()[0].second.shape() == Shape{24, 6});
    CHECK(model.output->weight.shape() == Shape{11, 8 + 6});
  }
  SECTION("configuration errors") {
    CHECK_THROWS_WITH(Seq2Seq({.src_vocab = 9, .tgt_vocab = 11, .attention = "luong"}, gen),
                      Catch::Contains("additive"));
    CHECK_THROWS_WITH(Seq2Seq({.src_vocab = 9, .tgt_vocab = 11, .cell = "rnn"}, gen), Catch::Contains("gru or lstm"));
  }
}

TEST_CASE("seq2seq: attention rows sum to 1 over the real source positions", "[seq2seq]") {
  Generator gen(2);
  const ReverseBatch data = reverse_batch(4, 6, 10, gen);
  Seq2Seq model({.src_vocab = 10, .tgt_vocab = 10, .embed_dim = 5, .hidden = 7}, gen);
  const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
  const std::vector<std::int64_t> lengths = data.src_lengths.to_vector<std::int64_t>();
  const std::int64_t steps = out.attention.size(1), source = out.attention.size(2);
  const std::vector<double> weights = heed::test::values(out.attention);
  for (std::int64_t b = 0; b < 4; ++b)
    for (std::int64_t t = 0; t < steps; ++t) {
      double real = 0;
      for (std::int64_t j = 0; j < source; ++j) {
        const double w = weights[(b * steps + t) * source + j];
        if (j < lengths[b]) real += w;
        else REQUIRE(w == 0.0);
      }
      REQUIRE(std::abs(real - 1.0) < 1e-5);
    }
  // An explicit mask gives the same as one built from the lengths.
  const Tensor mask = ops::to(ops::ne(data.src, scalar_tensor(0, DType::Int64)), DType::Float32);
  require_close(model.forward(data.src, data.src_lengths, mask, data.tgt_in).logits, out.logits, 1e-6);
}

TEST_CASE("gradcheck: the whole seq2seq, GRU and LSTM", "[seq2seq][gradcheck]") {
  Generator gen(3);
  const ReverseBatch data = reverse_batch(2, 3, 6, gen);
  for (const std::string cell : {"gru", "lstm"}) {
    INFO(cell);
    Seq2Seq model({.src_vocab = 6, .tgt_vocab = 6, .embed_dim = 2, .hidden = 2, .cell = cell, .attn_dim = 3,
                   .dtype = DType::Float64},
                  gen);
    // Logits at padded target positions are left out: they read the padding
    // row of the target embedding, which Embedding deliberately never trains.
    const Tensor is_real = ops::ne(data.tgt_out, scalar_tensor(Seq2Seq::kPad, DType::Int64));
    const Tensor real_target = unsqueeze(ops::to(is_real, DType::Float64), -1);  // (B, T, 1)
    REQUIRE_GRADCHECK([&](const Inputs&) {
      return model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits * real_target;
    }, model.parameters());
  }
}

TEST_CASE("seq2seq: greedy decoding, and beam search with beam 1 is greedy", "[seq2seq]") {
  Generator gen(4);
  const ReverseBatch data = reverse_batch(5, 6, 12, gen);
  for (const std::string attention : {"additive", "none"}) {
    INFO(attention);
    Seq2Seq model({.src_vocab = 12, .tgt_vocab = 12, .embed_dim = 8, .hidden = 16, .attention = attention}, gen);
    model.eval();
    const Translation greedy = model.greedy_decode(data.src, data.src_lengths, Tensor(), 7);
    REQUIRE(greedy.tokens.dim() == 2);
    CHECK(greedy.tokens.size(0) == 5);
    CHECK(greedy.tokens.size(1) <= 7);
    CHECK(greedy.attention.defined() == (attention == "additive"));
    if (greedy.attention.defined()) CHECK(greedy.attention.shape() == Shape{5, greedy.tokens.size(1), 6});

    const Translation beam1 = model.beam_search(data.src, data.src_lengths, 1, 7);
    const Translation beam1_no_lengths = model.beam_search(data.src, Tensor(), 1, 7);
    for (std::int64_t b = 0; b < 5; ++b) {
      INFO("sentence " << b);
      CHECK(row_until_eos(beam1.tokens, b) == row_until_eos(greedy.tokens, b));
      CHECK(row_until_eos(beam1_no_lengths.tokens, b) == row_until_eos(greedy.tokens, b));
    }
    if (greedy.attention.defined()) {
      const std::int64_t len = std::min(greedy.attention.size(1), beam1.attention.size(1));
      require_close(narrow(beam1.attention, 1, 0, len), narrow(greedy.attention, 1, 0, len), 1e-5);
    }

    // A wider beam: one result per sentence, the same whether a sentence comes alone or in a batch.
    const Translation beam3 = model.beam_search(data.src, data.src_lengths, 3, 7, 0.7);
    CHECK(beam3.tokens.size(0) == 5);
    CHECK(beam3.tokens.size(1) <= 7);
    const Translation alone =
        model.beam_search(narrow(data.src, 0, 2, 1), narrow(data.src_lengths, 0, 2, 1), 3, 7, 0.7);
    CHECK(row_until_eos(alone.tokens, 0) == row_until_eos(beam3.tokens, 2));
  }
}

TEST_CASE("seq2seq learns the reverse toy: the loss falls within 60 steps", "[seq2seq]") {
  Generator gen(5);
  const std::int64_t vocab = 10;
  Seq2Seq model({.src_vocab = vocab, .tgt_vocab = vocab, .embed_dim = 16, .hidden = 32}, gen);
  optim::Adam adam(model.parameters(), {.lr = 1e-2});
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    const ReverseBatch data = reverse_batch(16, 5, vocab, gen);
    adam.zero_grad();
    const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
    const Tensor loss = cross_entropy(out.logits, data.tgt_out, Seq2Seq::kPad);
    loss.backward();
    adam.step();
    if (step < 5) first += loss.item() / 5;
    if (step >= 55) last += loss.item() / 5;
  }
  INFO("mean loss of the first 5 steps " << first << ", of the last 5 " << last);
  CHECK(std::isfinite(last));
  CHECK(last < 0.6 * first);
}
