#include "layers/models/seq2seq.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "autograd/grad_mode.h"
#include "layers/attention/registry.h"
#include "tensor/ops.h"

namespace heed {

namespace {

// (B, S) mask, 1 for t < lengths[b], in `dtype`.
Tensor mask_from_lengths(const Tensor& lengths, std::int64_t steps, DType dtype) {
  const Tensor positions = arange(steps, DType::Int64, lengths.device());              // (S)
  const Tensor real = ops::lt(ops::unsqueeze(positions, 0), ops::unsqueeze(ops::to(lengths, DType::Int64), 1));
  return ops::to(real, dtype);                                                          // (B, S)
}

}  // namespace

Seq2Seq::Seq2Seq(const Seq2SeqConfig& cfg, Generator& gen) : TranslationModel("Seq2Seq"), config(cfg) {
  HEED_CHECK(cfg.src_vocab > 0 && cfg.tgt_vocab > 0, "Seq2Seq: src_vocab and tgt_vocab must be positive, got ",
             cfg.src_vocab, " and ", cfg.tgt_vocab);
  HEED_CHECK(cfg.tgt_vocab > kEos, "Seq2Seq: tgt_vocab ", cfg.tgt_vocab, " leaves no room for pad, bos and eos (ids ",
             kPad, ", ", kBos, ", ", kEos, ")");
  HEED_CHECK(cfg.cell == "gru" || cfg.cell == "lstm", "Seq2Seq: cell '", cfg.cell, "' is unknown; use gru or lstm");
  is_lstm_ = cfg.cell == "lstm";
  const std::int64_t E = cfg.embed_dim, H = cfg.hidden, memory_dim = (cfg.bidirectional ? 2 : 1) * H;
  const RecurrentOptions encoder_options{.num_layers = cfg.encoder_layers, .bidirectional = cfg.bidirectional,
                                         .dtype = cfg.dtype};

  src_embed = register_module("src_embed", std::make_shared<Embedding>(cfg.src_vocab, E, kPad, gen, cfg.dtype));
  if (is_lstm_)
    encoder = register_module("encoder", std::make_shared<LSTM>(E, H, encoder_options, gen));
  else
    encoder = register_module("encoder", std::make_shared<GRU>(E, H, encoder_options, gen));
  bridge = register_module("bridge", std::make_shared<Linear>(memory_dim, H, true, gen, cfg.dtype));
  if (is_lstm_)
    bridge_cell = register_module("bridge_cell", std::make_shared<Linear>(memory_dim, H, true, gen, cfg.dtype));

  const SequenceAttentionConfig attention_config{.query_dim = H,
                                                 .key_dim = memory_dim,
                                                 .value_dim = memory_dim,
                                                 .attn_dim = cfg.attn_dim > 0 ? cfg.attn_dim : H,
                                                 .dtype = cfg.dtype,
                                                 .window = cfg.attention_window,
                                                 .hard_estimator = cfg.hard_estimator,
                                                 .gumbel_temperature = cfg.gumbel_temperature,
                                                 .baseline_decay = cfg.hard_baseline_decay};
  attention = register_module("attention", make_sequence_attention(cfg.attention, attention_config, gen));
  context_dim_ = attention->produces_context() ? memory_dim : 0;

  tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(cfg.tgt_vocab, E, kPad, gen, cfg.dtype));
  if (is_lstm_) {
    lstm_decoder_ = std::make_shared<LSTMCell>(E + context_dim_, H, gen, cfg.dtype);
    decoder = register_module("decoder", lstm_decoder_);
  } else {
    gru_decoder_ = std::make_shared<GRUCell>(E + context_dim_, H, gen, cfg.dtype);
    decoder = register_module("decoder", gru_decoder_);
  }
  output = register_module("output",
                           std::make_shared<Linear>(H + context_dim_ + E, cfg.tgt_vocab, true, gen, cfg.dtype));
  dropout = register_module("dropout", std::make_shared<Dropout>(cfg.dropout, gen));
}

Seq2Seq::Encoded Seq2Seq::encode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask) {
  HEED_CHECK(src.dim() == 2 && !is_floating(src.dtype()), "Seq2Seq: src must be token ids (batch, source_len), got ",
             dtype_name(src.dtype()), " ", shape_str(src.shape()));
  const RecurrentOutput encoded = encoder->forward(dropout->forward(src_embed->forward(src)), src_lengths);

  // The top layer's final state of each direction, each taken at its sequence's own end.
  const std::int64_t directions = encoder->num_directions(), top = (encoder->num_layers - 1) * directions;
  auto top_layer = [&](const Tensor& states) {  // (L*D, B, H) -> (B, D*H)
    std::vector<Tensor> parts;
    for (std::int64_t d = 0; d < directions; ++d) parts.push_back(select(states, 0, top + d));
    return directions == 1 ? parts.front() : concat(parts, 1);
  };
  Encoded result;
  result.memory = encoded.outputs;  // (B, S, D*H)
  result.mask = src_mask.defined()       ? src_mask
                : src_lengths.defined() ? mask_from_lengths(src_lengths, src.size(1), config.dtype)
                                         : Tensor();
  result.initial.h = tanh(bridge->forward(top_layer(encoded.h_n)));  // (B, H)
  if (is_lstm_) result.initial.c = tanh(bridge_cell->forward(top_layer(encoded.c_n)));
  return result;
}

Seq2Seq::DecoderWeights Seq2Seq::decoder_weights() const {
  const Tensor& weight_ih = is_lstm_ ? lstm_decoder_->weight_ih : gru_decoder_->weight_ih;  // (G*H, E + C)
  const Tensor& weight_hh = is_lstm_ ? lstm_decoder_->weight_hh : gru_decoder_->weight_hh;  // (G*H, H)
  DecoderWeights w;
  w.embed_t = narrow(weight_ih, 1, 0, config.embed_dim).transpose(0, 1);
  if (context_dim_ > 0) w.context_t = narrow(weight_ih, 1, config.embed_dim, context_dim_).transpose(0, 1);
  w.bias_ih = is_lstm_ ? lstm_decoder_->bias_ih : gru_decoder_->bias_ih;
  w.hidden_t = weight_hh.transpose(0, 1);
  w.bias_hh = is_lstm_ ? lstm_decoder_->bias_hh : gru_decoder_->bias_hh;
  return w;
}

Seq2Seq::Step Seq2Seq::decode_step(const Tensor& embedded_projection, const DecoderState& previous,
                                   const Tensor& memory, const Tensor& mask, const DecoderWeights& w,
                                   std::int64_t t) {
  Step step;
  attention->set_decoder_step(t);
  const AttentionResult read = attention->attend(previous.h, memory, memory, mask);  // query with s_{t-1}
  step.context = read.context;  // (B, C)
  step.weights = read.weights;  // (B, S)
  Tensor projection = embedded_projection;  // (B, G*H)
  if (context_dim_ > 0) projection = projection + matmul(read.context, w.context_t);
  if (is_lstm_) {
    const LSTMState next = lstm_step(projection, {previous.h, previous.c}, w.hidden_t, w.bias_hh);
    step.state = {next.h, next.c};
  } else {
    step.state.h = gru_step(projection, previous.h, w.hidden_t, w.bias_hh);
  }
  return step;
}

Tensor Seq2Seq::output_features(const Step& step, const Tensor& embedded) const {
  return context_dim_ > 0 ? concat({step.state.h, step.context, embedded}, -1) : concat({step.state.h, embedded}, -1);
}

TranslationOutput Seq2Seq::forward(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                               const Tensor& tgt_in) {
  HEED_CHECK(tgt_in.dim() == 2 && tgt_in.size(0) == src.size(0) && !is_floating(tgt_in.dtype()),
             "Seq2Seq: tgt_in must be token ids (", src.size(0), ", target_len) starting with <bos>, got ",
             dtype_name(tgt_in.dtype()), " ", shape_str(tgt_in.shape()));
  const Encoded enc = encode(src, src_lengths, src_mask);
  attention->prepare(enc.memory);
  const DecoderWeights w = decoder_weights();

  const std::int64_t steps = tgt_in.size(1);
  const Tensor embedded = dropout->forward(tgt_embed->forward(contiguous(tgt_in.transpose(0, 1))));  // (T, B, E)
  const std::vector<Tensor> embedded_projections = unbind_steps(matmul(embedded, w.embed_t) + w.bias_ih);

  DecoderState state = enc.initial;
  std::vector<Tensor> states, contexts, weights;  // per step: (B, H), (B, C), (B, S)
  for (std::int64_t t = 0; t < steps; ++t) {
    const Step step = decode_step(embedded_projections[static_cast<std::size_t>(t)], state, enc.memory, enc.mask, w, t);
    state = step.state;
    states.push_back(step.state.h);
    if (step.context.defined()) contexts.push_back(step.context);
    if (step.weights.defined()) weights.push_back(step.weights);
  }
  attention->release_prepared();

  // The output layer once over all steps: [s_t; c_t; e_t] (T, B, H + C + E) -> (T, B, V).
  std::vector<Tensor> features{stack(states, 0)};
  if (!contexts.empty()) features.push_back(stack(contexts, 0));
  features.push_back(embedded);
  const Tensor logits = output->forward(dropout->forward(concat(features, -1)));
  TranslationOutput result;
  result.logits = contiguous(logits.transpose(0, 1));  // (B, T, V)
  if (!weights.empty()) result.attention = stack(weights, 1);  // (B, T, S)
  return result;
}

Translation Seq2Seq::greedy_decode(const Tensor& src, const Tensor& src_lengths, const Tensor& src_mask,
                                   std::int64_t max_len) {
  HEED_CHECK(max_len > 0, "greedy_decode: max_len must be positive, got ", max_len);
  NoGradGuard no_grad;
  const Encoded enc = encode(src, src_lengths, src_mask);
  attention->prepare(enc.memory);
  const DecoderWeights w = decoder_weights();
  const std::int64_t batch = src.size(0);

  std::vector<bool> finished(static_cast<std::size_t>(batch), false);
  std::vector<std::int64_t> previous(static_cast<std::size_t>(batch), kBos);
  std::vector<Tensor> tokens, weights;  // per step: (B) int64, (B, S)
  DecoderState state = enc.initial;
  for (std::int64_t t = 0; t < max_len; ++t) {
    const Tensor embedded = tgt_embed->forward(from_vector(previous, {batch}, src.device()));  // (B, E)
    const Step step = decode_step(matmul(embedded, w.embed_t) + w.bias_ih, state, enc.memory, enc.mask, w, t);
    const Tensor logits = output->forward(output_features(step, embedded));  // (B, V)
    std::vector<std::int64_t> next = ops::to(ops::argmax(logits, -1), kCPU).to_vector<std::int64_t>();
    std::vector<double> still_running(static_cast<std::size_t>(batch));
    for (std::size_t b = 0; b < next.size(); ++b) {
      still_running[b] = finished[b] ? 0.0 : 1.0;
      if (finished[b]) next[b] = kPad;
      if (next[b] == kEos) finished[b] = true;
    }
    tokens.push_back(from_vector(next, {batch}, src.device()));
    if (step.weights.defined())  // rows that had already finished get zero weights
      weights.push_back(step.weights * ops::to(from_vector(still_running, {batch, 1}, src.device()), config.dtype));
    state = step.state;
    previous = next;
    if (std::all_of(finished.begin(), finished.end(), [](bool f) { return f; })) break;
  }
  attention->release_prepared();
  Translation result;
  result.tokens = stack(tokens, 1);  // (B, L)
  if (!weights.empty()) result.attention = stack(weights, 1);  // (B, L, S)
  return result;
}

Translation Seq2Seq::beam_search_one(const Tensor& src, std::int64_t beam_size, std::int64_t max_len,
                                     double length_penalty) {
  const std::int64_t length = src.size(1);
  struct Hypothesis {
    std::vector<std::int64_t> tokens;
    double log_prob = 0;
    std::vector<Tensor> weights;  // (S) per token
  };
  const Tensor lengths = from_vector(std::vector<std::int64_t>{length}, {1}, src.device());
  const Encoded enc = encode(src, lengths, Tensor());
  const DecoderWeights w = decoder_weights();
  auto normalized = [&](const Hypothesis& h) {
    return h.log_prob / std::pow(static_cast<double>(h.tokens.size()), length_penalty);
  };

  std::vector<Hypothesis> live(1), finished;
  DecoderState state = enc.initial;  // (K, H), one row per live hypothesis
  Tensor memory;                     // (K, S, C): the sentence's memory repeated for each live hypothesis
  for (std::int64_t t = 0; t < max_len && !live.empty(); ++t) {
    const auto beams = static_cast<std::int64_t>(live.size());
    if (!memory.defined() || memory.size(0) != beams) {  // the beam changed size: re-prepare the attention
      memory = ops::contiguous(ops::expand(enc.memory, {beams, enc.memory.size(1), enc.memory.size(2)}));
      attention->prepare(memory);
    }
    std::vector<std::int64_t> previous;
    for (const Hypothesis& h : live) previous.push_back(h.tokens.empty() ? kBos : h.tokens.back());
    const Tensor embedded = tgt_embed->forward(from_vector(previous, {beams}, src.device()));  // (K, E)
    const Step step = decode_step(matmul(embedded, w.embed_t) + w.bias_ih, state, memory, Tensor(), w, t);
    const Tensor log_probs = log_softmax(output->forward(output_features(step, embedded)), -1);  // (K, V)
    const std::vector<double> scores = ops::to(log_probs, kCPU).to_vector<double>();

    // The best continuations over every (hypothesis, token) pair, as many as
    // the beam has open slots. Equal scores go to the lower index, as argmax
    // does, so beam_size 1 reproduces greedy decoding.
    const std::int64_t vocab = log_probs.size(1);
    auto total = [&](std::int64_t i) { return live[static_cast<std::size_t>(i / vocab)].log_prob + scores[i]; };
    std::vector<std::int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const std::int64_t open_slots = beam_size - static_cast<std::int64_t>(finished.size());
    const std::int64_t keep = std::min<std::int64_t>(open_slots, static_cast<std::int64_t>(order.size()));
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), [&](std::int64_t a, std::int64_t b) {
      return total(a) > total(b) || (total(a) == total(b) && a < b);
    });

    // A hypothesis that emits <eos> is finished and takes its slot with it: the beam shrinks.
    std::vector<Hypothesis> next_live;
    std::vector<std::int64_t> parents;  // which row of `state` each surviving hypothesis continues
    for (std::int64_t i = 0; i < keep; ++i) {
      const std::int64_t parent = order[i] / vocab, token = order[i] % vocab;
      Hypothesis h = live[static_cast<std::size_t>(parent)];
      h.tokens.push_back(token);
      h.log_prob = total(order[i]);
      if (step.weights.defined()) h.weights.push_back(ops::select(step.weights, 0, parent));
      if (token == kEos) {
        finished.push_back(std::move(h));
      } else {
        next_live.push_back(std::move(h));
        parents.push_back(parent);
      }
    }
    live = std::move(next_live);
    if (!live.empty()) {
      const Tensor rows = from_vector(parents, {static_cast<std::int64_t>(parents.size())}, src.device());
      state.h = ops::index_select(step.state.h, 0, rows);
      if (step.state.c.defined()) state.c = ops::index_select(step.state.c, 0, rows);
    }
  }
  attention->release_prepared();
  for (Hypothesis& h : live) finished.push_back(std::move(h));  // cut at max_len: ranked with the rest

  const Hypothesis& best = *std::max_element(finished.begin(), finished.end(), [&](const auto& a, const auto& b) {
    return normalized(a) < normalized(b);
  });
  Translation result;
  result.tokens = from_vector(best.tokens, {1, static_cast<std::int64_t>(best.tokens.size())}, src.device());
  if (!best.weights.empty()) result.attention = ops::unsqueeze(ops::stack(best.weights, 0), 0);  // (1, L, S_b)
  return result;
}

}  // namespace heed
