// The Transformer's layers and the encoder-decoder model: gradient checks,
// shapes, what padding and the causal rule may and may not change, greedy and
// beam decoding, a short training run, a checkpoint round trip, and the
// refusal of attention variants in roles they cannot fill.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/temp_dir.h"
#include "data/checkpoint.h"
#include "helpers.h"
#include "layers/attention/mha.h"
#include "layers/attention/transformer_registry.h"
#include "layers/loss.h"
#include "layers/models/transformer.h"
#include "layers/position/sinusoidal.h"
#include "optim/adam.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using Inputs = std::vector<Tensor>;

namespace {

constexpr std::int64_t kPad = TranslationModel::kPad, kBos = TranslationModel::kBos, kEos = TranslationModel::kEos;

// A batch of the `reverse` task: the target is the source backwards, then <eos>.
struct ReverseBatch {
  Tensor src;          // (B, S) int64, padded with 0
  Tensor src_lengths;  // (B) int64
  Tensor tgt_in;       // (B, S + 1): <bos> y_1 .. y_n, padded
  Tensor tgt_out;      // (B, S + 1): y_1 .. y_n <eos>, padded
};

ReverseBatch reverse_batch(std::int64_t batch, std::int64_t max_len, std::int64_t vocab, Generator& gen,
                           std::int64_t min_len = 2) {
  std::vector<std::int64_t> src(batch * max_len, kPad), lengths(batch);
  std::vector<std::int64_t> tgt_in(batch * (max_len + 1), kPad), tgt_out(tgt_in.size(), kPad);
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t len = gen.randint(min_len, max_len + 1);
    lengths[b] = len;
    for (std::int64_t t = 0; t < len; ++t) src[b * max_len + t] = gen.randint(kEos + 1, vocab);
    tgt_in[b * (max_len + 1)] = kBos;
    for (std::int64_t t = 0; t < len; ++t) {
      const std::int64_t token = src[b * max_len + (len - 1 - t)];
      tgt_in[b * (max_len + 1) + t + 1] = token;
      tgt_out[b * (max_len + 1) + t] = token;
    }
    tgt_out[b * (max_len + 1) + len] = kEos;
  }
  return {from_vector(src, {batch, max_len}), from_vector(lengths, {batch}),
          from_vector(tgt_in, {batch, max_len + 1}), from_vector(tgt_out, {batch, max_len + 1})};
}

std::vector<std::int64_t> row_until_eos(const Tensor& tokens, std::int64_t b) {
  std::vector<std::int64_t> row;
  for (std::int64_t id : select(tokens, 0, b).to_vector<std::int64_t>()) {
    if (id == kPad) break;
    row.push_back(id);
    if (id == kEos) break;
  }
  return row;
}

TransformerConfig tiny(std::int64_t vocab, DType dtype = DType::Float64) {
  TransformerConfig c;
  c.src_vocab = vocab;
  c.tgt_vocab = vocab;
  c.model_dim = 8;
  c.heads = 2;
  c.ff_dim = 12;
  c.dtype = dtype;
  return c;
}

// (B, S) mask from lengths, 1 real 0 pad.
Tensor mask_of(const Tensor& lengths, std::int64_t width) {
  return to(lt(unsqueeze(arange(width), 0), unsqueeze(lengths, 1)), DType::Float64);
}

}  // namespace

TEST_CASE("transformer layers pass their gradient checks, pre-LN and post-LN",
          "[transformer-model][gradcheck]") {
  const TransformerAttentionConfig attention{.heads = 2};
  const Tensor x = random_input({2, 3, 4}, 1), memory = random_input({2, 4, 4}, 2);
  const Tensor key_mask = from_vector({1, 1, 1, 1, 1, 0}, {2, 3}), memory_mask = from_vector({1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
  for (const bool norm_first : {true, false}) {
    INFO("norm_first " << norm_first);
    Generator gen(3);
    const TransformerLayerConfig config{.model_dim = 4, .ff_dim = 6, .activation = norm_first ? "relu" : "gelu",
                                        .norm_first = norm_first, .dtype = DType::Float64};
    TransformerEncoderLayer encoder(config, "mha", attention, gen);
    TransformerDecoderLayer decoder(config, "mha", "gqa", attention, gen);
    REQUIRE_GRADCHECK([&](const Inputs& in) { return encoder.forward(in[0], key_mask).output; }, {x});
    REQUIRE_GRADCHECK([&](const Inputs&) { return encoder.forward(x, key_mask).output; }, encoder.parameters());
    REQUIRE_GRADCHECK([&](const Inputs& in) { return decoder.forward(in[0], in[1], memory_mask).output; }, {x, memory});
    REQUIRE_GRADCHECK([&](const Inputs&) { return decoder.forward(x, memory, memory_mask).output; },
                      decoder.parameters());
  }
  FeedForward ff(4, 6, "gelu", 0.0, default_generator(), DType::Float64);
  REQUIRE_GRADCHECK([&](const Inputs& in) { return ff.forward(in[0]); }, {x});
  CHECK_THROWS_WITH(FeedForward(4, 6, "swish", 0.0), Catch::Contains("swish") && Catch::Contains("gelu"));
}

TEST_CASE("transformer model: shapes, parameter names and attention over real source positions",
          "[transformer-model]") {
  Generator gen(4);
  const ReverseBatch data = reverse_batch(3, 5, 9, gen);
  TransformerConfig config = tiny(9);
  config.tgt_vocab = 11;
  Transformer model(config, gen);
  const TranslationOutput out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
  CHECK(out.logits.shape() == Shape{3, 6, 11});
  CHECK(out.attention.shape() == Shape{3, 6, 5});
  CHECK(out.attention_heads.shape() == Shape{3, 2, 6, 5});
  std::vector<std::string> names;
  for (const auto& [name, _] : model.named_parameters()) names.push_back(name);
  for (const std::string expected :
       {"src_embed.weight", "encoder_layers.0.self_attn.q_proj.weight", "encoder_layers.1.ff.linear2.bias",
        "decoder_layers.1.cross_attn.k_proj.weight", "decoder_layers.0.norm3.weight", "encoder_norm.weight",
        "decoder_norm.bias", "output.weight"})
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  const std::vector<std::int64_t> lengths = data.src_lengths.to_vector<std::int64_t>();
  const std::vector<double> weights = out.attention.to_vector<double>();
  for (std::int64_t b = 0; b < 3; ++b)
    for (std::int64_t t = 0; t < 6; ++t) {
      double real = 0;
      for (std::int64_t j = 0; j < 5; ++j) {
        const double w = weights[(b * 6 + t) * 5 + j];
        if (j < lengths[b]) real += w;
        else REQUIRE(w == 0.0);
      }
      REQUIRE(real == Approx(1.0));
    }
  // The mask built from the lengths and an explicit one agree; post-LN has no final norms.
  require_close(model.forward(data.src, Tensor(), mask_of(data.src_lengths, 5), data.tgt_in).logits, out.logits, 1e-12);
  config.norm_first = false;
  Transformer post(config, gen);
  CHECK_FALSE(post.encoder_norm);
  CHECK(post.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits.shape() == Shape{3, 6, 11});
}

TEST_CASE("transformer model: more source padding never changes the outputs", "[transformer-model]") {
  Generator gen(5);
  const ReverseBatch data = reverse_batch(3, 4, 9, gen);
  Transformer model(tiny(9), gen);
  const Tensor wider = concat({data.src, zeros({3, 3}, DType::Int64)}, 1);  // three more pad columns
  const TranslationOutput narrow_out = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in);
  const TranslationOutput wide_out = model.forward(wider, data.src_lengths, Tensor(), data.tgt_in);
  require_close(wide_out.logits, narrow_out.logits, 1e-12);
  require_close(narrow(wide_out.attention, 2, 0, 4), narrow_out.attention, 1e-12);
  require_close(narrow(wide_out.attention, 2, 4, 3), zeros({3, 5, 3}, DType::Float64), 0);
  // The encoder's outputs at real positions are the same too.
  const Tensor memory = model.encode(data.src, mask_of(data.src_lengths, 4));
  const Tensor wide_memory = model.encode(wider, mask_of(data.src_lengths, 7));
  require_close(narrow(wide_memory, 1, 0, 1), narrow(memory, 1, 0, 1), 1e-12);
  // A source that is all padding gets zero cross-attention weights, not NaN.
  const Tensor empty_row = from_vector(std::vector<std::int64_t>{0, 3}, {2});
  const TranslationOutput out = model.forward(narrow(data.src, 0, 0, 2), empty_row, Tensor(), narrow(data.tgt_in, 0, 0, 2));
  for (double v : out.logits.to_vector<double>()) REQUIRE(std::isfinite(v));
  require_close(select(out.attention_heads, 0, 0), zeros({2, 5, 4}, DType::Float64), 0);
}

TEST_CASE("transformer model: a later target token never changes earlier logits", "[transformer-model]") {
  Generator gen(6);
  const ReverseBatch data = reverse_batch(2, 6, 9, gen, 6);
  Transformer model(tiny(9), gen);
  const Tensor before = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits;  // (2, 7, 9)
  std::vector<std::int64_t> changed = data.tgt_in.to_vector<std::int64_t>();
  changed[4] = changed[4] == 3 ? 4 : 3;  // sentence 0, position 4
  const Tensor after = model.forward(data.src, data.src_lengths, Tensor(), from_vector(changed, {2, 7})).logits;
  require_close(narrow(after, 1, 0, 4), narrow(before, 1, 0, 4), 1e-12);
  require_close(select(after, 0, 1), select(before, 0, 1), 1e-12);  // the other sentence
  const std::vector<double> at4 = select(select(after, 0, 0), 0, 4).to_vector<double>();
  const std::vector<double> was4 = select(select(before, 0, 0), 0, 4).to_vector<double>();
  CHECK(at4 != was4);
}

TEST_CASE("transformer model: greedy decoding, and beam search with beam 1 is greedy", "[transformer-model]") {
  Generator gen(7);
  const ReverseBatch data = reverse_batch(5, 6, 12, gen);
  TransformerConfig config = tiny(12, DType::Float32);
  config.model_dim = 16;
  Transformer model(config, gen);
  model.eval();
  const Translation greedy = model.greedy_decode(data.src, data.src_lengths, Tensor(), 7);
  REQUIRE(greedy.tokens.size(0) == 5);
  REQUIRE(greedy.tokens.size(1) <= 7);
  CHECK(greedy.attention.shape() == Shape{5, greedy.tokens.size(1), 6});
  CHECK(greedy.attention_heads.shape() == Shape{5, 2, greedy.tokens.size(1), 6});
  // Teacher forcing on greedy's own output reproduces greedy's choices and its attention.
  const std::int64_t steps = greedy.tokens.size(1);
  const Tensor fed = concat({full({5, 1}, kBos, DType::Int64), narrow(greedy.tokens, 1, 0, steps - 1)}, 1);
  const TranslationOutput forced = model.forward(data.src, data.src_lengths, Tensor(), fed);
  const std::vector<std::int64_t> chosen = argmax(forced.logits, -1).to_vector<std::int64_t>();
  for (std::int64_t b = 0; b < 5; ++b) {
    const std::vector<std::int64_t> row = row_until_eos(greedy.tokens, b);
    for (std::size_t t = 0; t < row.size(); ++t) REQUIRE(chosen[b * steps + t] == row[t]);
    const auto n = static_cast<std::int64_t>(row.size());
    require_close(narrow(select(greedy.attention, 0, b), 0, 0, n), narrow(select(forced.attention, 0, b), 0, 0, n), 1e-5);
  }

  const Translation beam1 = model.beam_search(data.src, data.src_lengths, 1, 7);
  const Translation beam1_no_lengths = model.beam_search(data.src, Tensor(), 1, 7);
  for (std::int64_t b = 0; b < 5; ++b) {
    INFO("sentence " << b);
    CHECK(row_until_eos(beam1.tokens, b) == row_until_eos(greedy.tokens, b));
    CHECK(row_until_eos(beam1_no_lengths.tokens, b) == row_until_eos(greedy.tokens, b));
  }
  const std::int64_t len = std::min(greedy.attention.size(1), beam1.attention.size(1));
  require_close(narrow(beam1.attention, 1, 0, len), narrow(greedy.attention, 1, 0, len), 1e-5);

  const Translation beam3 = model.beam_search(data.src, data.src_lengths, 3, 7, 0.7);
  CHECK(beam3.tokens.size(0) == 5);
  CHECK(beam3.tokens.size(1) <= 7);
  CHECK(beam3.attention_heads.shape() == Shape{5, 2, beam3.tokens.size(1), 6});
  const Translation alone = model.beam_search(narrow(data.src, 0, 2, 1), narrow(data.src_lengths, 0, 2, 1), 3, 7, 0.7);
  CHECK(row_until_eos(alone.tokens, 0) == row_until_eos(beam3.tokens, 2));
}

TEST_CASE("transformer model learns the reverse toy: the loss falls within 40 steps", "[transformer-model]") {
  Generator gen(8);
  const std::int64_t vocab = 10;
  TransformerConfig config = tiny(vocab, DType::Float32);
  config.model_dim = 32;
  config.ff_dim = 64;
  Transformer model(config, gen);
  optim::Adam adam(model.parameters(), {.lr = 3e-3});
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    const ReverseBatch data = reverse_batch(16, 5, vocab, gen);
    adam.zero_grad();
    const Tensor loss = cross_entropy(model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits,
                                      data.tgt_out, kPad);
    loss.backward();
    adam.step();
    if (step < 5) first += loss.item() / 5;
    if (step >= 35) last += loss.item() / 5;
  }
  INFO("mean loss of the first 5 steps " << first << ", of the last 5 " << last);
  CHECK(std::isfinite(last));
  CHECK(last < 0.6 * first);
}

TEST_CASE("every registered transformer attention trains the model a few steps with finite, falling loss",
          "[transformer-model]") {
  const std::int64_t vocab = 10;
  for (const std::string& name : transformer_attention_names()) {
    if (name.rfind("test-", 0) == 0) continue;  // registered at run time by other tests
    DYNAMIC_SECTION(name) {
      Generator gen(11);
      TransformerConfig config = tiny(vocab, DType::Float32);
      config.model_dim = 32;
      config.heads = 4;
      config.ff_dim = 64;
      config.max_len = 16;
      config.attention.window = 2;
      config.attention.block = 3;
      config.attention.projected_len = 8;
      config.attention.landmarks = 4;
      config.attention.chunk = 4;
      // The variant in every role it can play, mha in the others (as translate --attention does).
      TransformerAttentionConfig probe_config = config.attention;
      probe_config.model_dim = config.model_dim;
      probe_config.heads = config.heads;
      const auto probe = make_transformer_attention(name, probe_config, gen);
      config.encoder_attention = name;
      config.decoder_attention = probe->supports_causal() ? name : "mha";
      config.cross_attention = probe->supports_cross() ? name : "mha";
      Transformer model(config, gen);
      optim::Adam adam(model.parameters(), {.lr = 3e-3});
      double first = 0, last = 0;
      for (int step = 0; step < 30; ++step) {
        const ReverseBatch data = reverse_batch(16, 6, vocab, gen);
        adam.zero_grad();
        const Tensor loss = cross_entropy(model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits,
                                          data.tgt_out, kPad);
        loss.backward();
        adam.step();
        if (step < 5) first += loss.item() / 5;
        if (step >= 25) last += loss.item() / 5;
      }
      INFO(name << ": mean loss of the first 5 steps " << first << ", of the last 5 " << last);
      CHECK(std::isfinite(last));
      CHECK(last < 0.85 * first);
    }
  }
}

TEST_CASE("transformer model: a checkpoint round trip restores the outputs", "[transformer-model]") {
  Generator gen(9), other(10);
  const ReverseBatch data = reverse_batch(2, 4, 9, gen);
  Transformer model(tiny(9), gen), restored(tiny(9), other);
  const Tensor expected = model.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits;
  test::TempDir dir;
  const std::string path = (dir.path() / "transformer.safetensors").string();
  io::Checkpoint checkpoint;
  checkpoint.model = model.state_dict();
  io::save_checkpoint(path, checkpoint);
  restored.load_state_dict(io::load_checkpoint(path).model);
  require_close(restored.forward(data.src, data.src_lengths, Tensor(), data.tgt_in).logits, expected, 0);
  CHECK(model.state_dict().size() == model.named_parameters().size());  // the sinusoidal table is not saved
}

namespace {

// Stand-ins that cannot do everything, to see the refusals. They are built
// directly, not registered: the registries are shared by every test.
class SelfOnlyAttention : public MultiHeadAttention {
 public:
  using MultiHeadAttention::MultiHeadAttention;
  bool supports_causal() const override { return false; }
  bool supports_cross() const override { return false; }
  bool accepts_position(PositionKind kind) const override {
    return kind == PositionKind::None || kind == PositionKind::Absolute;
  }
};
class UnmaskedAttention : public MultiHeadAttention {
 public:
  using MultiHeadAttention::MultiHeadAttention;
  bool supports_key_mask() const override { return false; }
};
class ScoreBiasStandIn : public PositionalEncoding {
 public:
  ScoreBiasStandIn() : PositionalEncoding("ScoreBiasStandIn") {}
  PositionKind kind() const override { return PositionKind::ScoreBias; }
};

}  // namespace

TEST_CASE("transformer model refuses attention variants in roles they cannot fill", "[transformer-model]") {
  const TransformerAttentionConfig sizes{.model_dim = 8, .heads = 2};
  const SelfOnlyAttention self_only(sizes);
  const UnmaskedAttention unmasked(sizes);
  const ScoreBiasStandIn bias;
  const SinusoidalPosition sinusoidal({.model_dim = 8});
  using Role = AttentionRole;
  CHECK_NOTHROW(check_attention_role(self_only, "self-only", Role::EncoderSelf, &sinusoidal, "sinusoidal"));
  CHECK_THROWS_WITH(check_attention_role(self_only, "self-only", Role::DecoderSelf, nullptr, "none"),
                    Catch::Contains("decoder self-attention 'self-only'") && Catch::Contains("causal") &&
                        Catch::Contains("--decoder-attention"));
  CHECK_THROWS_WITH(check_attention_role(self_only, "self-only", Role::Cross, nullptr, "none"),
                    Catch::Contains("cross-attention 'self-only'") && Catch::Contains("--cross-attention"));
  CHECK_THROWS_WITH(check_attention_role(self_only, "self-only", Role::EncoderSelf, &bias, "t5-like"),
                    Catch::Contains("encoder self-attention 'self-only'") && Catch::Contains("score bias") &&
                        Catch::Contains("'t5-like'") && Catch::Contains("--self-attention"));
  CHECK_THROWS_WITH(check_attention_role(unmasked, "unmasked", Role::Cross, nullptr, "none"),
                    Catch::Contains("cross-attention 'unmasked'") && Catch::Contains("padded"));
  // Decoder self-attention needs no key mask; mha takes a score bias; cross-attention never gets one.
  CHECK_NOTHROW(check_attention_role(unmasked, "unmasked", Role::DecoderSelf, &bias, "t5-like"));
  CHECK_NOTHROW(check_attention_role(self_only, "self-only", Role::EncoderSelf, nullptr, "none"));

  // The model runs these checks for every role, and refuses unknown names, listing the known ones.
  Generator gen(11);
  for (const std::string name : {"mha", "mqa", "gqa"}) {
    TransformerConfig config = tiny(9);
    config.encoder_attention = config.decoder_attention = config.cross_attention = name;
    CHECK_NOTHROW(Transformer(config, gen));
  }
  TransformerConfig config = tiny(9);
  config.position = "telepathy";
  CHECK_THROWS_WITH(Transformer(config, gen), Catch::Contains("telepathy") && Catch::Contains("sinusoidal"));
  config = tiny(9);
  config.cross_attention = "telepathy";
  CHECK_THROWS_WITH(Transformer(config, gen), Catch::Contains("telepathy") && Catch::Contains("mha"));
}
