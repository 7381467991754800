#include "experiments/lib/translate.h"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <tuple>

#include "autograd/grad_mode.h"
#include "data/seq_batch.h"
#include "data/tasks.h"
#include "experiments/lib/attention_flags.h"
#include "experiments/lib/metrics.h"
#include "experiments/lib/trainer.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/loss.h"
#include "layers/models/seq2seq.h"
#include "layers/models/transformer.h"
#include "layers/position/registry.h"
#include "tensor/ops.h"

namespace heed::experiments {
namespace {

struct Corpus {
  data::TaskData task;
  std::unique_ptr<data::Tokenizer> source_tokenizer, target_tokenizer;
  data::Vocab source_vocab, target_vocab;
  std::int64_t max_source_tokens = 0;
  std::int64_t max_target_tokens = 0;
};

Corpus build_corpus(const TranslateConfig& c) {
  check_choice("translate", "task", c.task, data::task_names());
  data::TaskOptions options = data::task_defaults(c.task);
  if (c.train_size > 0) options.train_size = c.train_size;
  if (c.valid_size > 0) options.valid_size = c.valid_size;
  if (c.test_size > 0) options.test_size = c.test_size;
  if (c.min_len > 0) options.min_len = c.min_len;
  if (c.max_len > 0) options.max_len = c.max_len;
  options.seed = c.train.seed;
  options.tsv_path = c.tsv_path;
  options.tsv_tokenizer = data::tokenizer_kind_from_name(c.tokenizer);
  HEED_CHECK(c.task != "tsv" || !c.tsv_path.empty(), "translate: --task tsv needs --tsv PATH (one source<TAB>target per line)");

  Corpus corpus;
  corpus.task = data::make_task(c.task, options);
  HEED_CHECK(!corpus.task.train.empty() && !corpus.task.validation.empty() && !corpus.task.test.empty(),
             "translate: task '", c.task, "' gave ", corpus.task.train.size(), " train, ",
             corpus.task.validation.size(), " validation and ", corpus.task.test.size(),
             " test examples; every split needs at least one (a tsv corpus needs more lines)");
  corpus.source_tokenizer = data::make_tokenizer(corpus.task.source_tokenizer);
  corpus.target_tokenizer = data::make_tokenizer(corpus.task.target_tokenizer);
  corpus.source_vocab = data::Vocab::build(data::sources_of(corpus.task.train), *corpus.source_tokenizer);
  corpus.target_vocab = data::Vocab::build(data::targets_of(corpus.task.train), *corpus.target_tokenizer);
  for (const auto* split : {&corpus.task.train, &corpus.task.validation, &corpus.task.test})
    for (const auto& example : *split) {
      corpus.max_source_tokens = std::max<std::int64_t>(
          corpus.max_source_tokens, static_cast<std::int64_t>(corpus.source_tokenizer->tokenize(example.source).size()));
      corpus.max_target_tokens = std::max<std::int64_t>(
          corpus.max_target_tokens, static_cast<std::int64_t>(corpus.target_tokenizer->tokenize(example.target).size()));
    }
  return corpus;
}

TransformerConfig transformer_config(const TranslateConfig& c, std::int64_t src_vocab, std::int64_t tgt_vocab,
                                     std::int64_t max_len) {
  return {.src_vocab = src_vocab, .tgt_vocab = tgt_vocab, .model_dim = c.d_model, .heads = c.heads,
          .kv_heads = c.kv_heads, .ff_dim = c.ff, .encoder_layers = c.layers, .decoder_layers = c.decoder_layers,
          .dropout = c.dropout, .norm_first = !c.post_norm, .encoder_attention = c.self_attention,
          .decoder_attention = c.decoder_attention, .cross_attention = c.cross_attention, .attention = c.knobs,
          .position = c.position, .max_len = max_len};
}

// Refuses an unknown model, attention or encoding name, and a variant in a
// role it cannot fill, before any data is generated. c has its model defaults.
void check_model_names(const TranslateConfig& c) {
  HEED_CHECK(c.model == "rnn" || c.model == "transformer", "translate: unknown model '", c.model,
             "'; valid models: rnn, transformer");
  HEED_CHECK(c.eval == "greedy" || c.eval == "teacher", "translate: unknown --eval '", c.eval,
             "'; valid: greedy (decode), teacher (teacher-forced argmax)");
  if (c.model == "rnn") {
    if (!contains(sequence_attention_names(), c.attention))
      make_sequence_attention(c.attention, {});  // throws, listing the valid names
    return;
  }
  for (const std::string* name : {&c.self_attention, &c.decoder_attention, &c.cross_attention})
    check_transformer_attention_name(*name);
  check_positional_encoding_name(c.position);
  Generator gen(0);
  Transformer probe(transformer_config(c, 4, 4, 64), gen);  // throws on sizes or pairings the variants refuse
}

std::shared_ptr<TranslationModel> build_model(const TranslateConfig& c, const Corpus& corpus, Generator& gen) {
  if (c.model == "transformer") {
    // Decoding feeds up to max_target_tokens + 2 positions to the decoder.
    const std::int64_t max_len = std::max(corpus.max_source_tokens, corpus.max_target_tokens + 2);
    return std::make_shared<Transformer>(
        transformer_config(c, corpus.source_vocab.size(), corpus.target_vocab.size(), max_len), gen);
  }
  const Seq2SeqConfig m = {.src_vocab = corpus.source_vocab.size(), .tgt_vocab = corpus.target_vocab.size(),
                           .embed_dim = c.embed_dim, .hidden = c.hidden, .cell = c.cell,
                           .bidirectional = c.bidirectional, .encoder_layers = c.layers, .attention = c.attention,
                           .dropout = c.dropout, .attention_window = c.local_window,
                           .hard_estimator = c.hard_estimator, .gumbel_temperature = c.gumbel_temperature};
  return std::make_shared<Seq2Seq>(m, gen);
}

std::vector<Ids> rows_of(const Tensor& ids) {
  const auto flat = ids.to_vector<std::int64_t>();
  const std::int64_t width = ids.size(1);
  std::vector<Ids> rows;
  for (std::int64_t b = 0; b < ids.size(0); ++b) rows.emplace_back(flat.begin() + b * width, flat.begin() + (b + 1) * width);
  return rows;
}

// Each sentence's summed token loss (B), without gradient: the reward signal
// of models with an auxiliary loss.
Tensor sentence_losses(const Tensor& logits, const Tensor& targets) {
  NoGradGuard no_grad;
  const Tensor per_token = cross_entropy(logits, targets, TranslationModel::kPad, 0.0, Reduction::None);  // (B, T)
  return sum(per_token, {1});
}

struct SplitScores {
  double loss = 0;
  SequenceScores scores;
  double bleu = 0;
};

// Teacher-forced predictions: the argmax at each real target position (B, T)
// -> rows cut to their real length, <eos> included. All of a row right means
// the model would produce the whole target, <eos> and all, one step at a time
// from the right prefixes: what greedy decoding scores, without its T passes.
std::vector<Ids> teacher_forced_rows(const Tensor& logits, const Tensor& tgt_mask) {
  std::vector<Ids> rows = rows_of(ops::argmax(logits, -1));
  const std::vector<double> real = ops::sum(tgt_mask, {1}).to_vector<double>();
  for (std::size_t b = 0; b < rows.size(); ++b) rows[b].resize(static_cast<std::size_t>(real[b]));
  return rows;
}

// eval: "greedy" decodes (or beam-searches when beam > 1); "teacher" scores teacher-forced argmax.
SplitScores evaluate(TranslationModel& model, data::SeqLoader& loader, std::int64_t beam, std::int64_t max_len,
                     const std::string& eval) {
  NoGradGuard no_grad;
  model.eval();
  SplitScores result;
  double loss_sum = 0, token_count = 0;
  std::vector<Ids> predictions, references;
  for (std::int64_t i = 0; i < loader.num_batches(); ++i) {
    const data::SeqBatch batch = loader.batch(i);
    const TranslationOutput out = model.forward(batch.src, batch.src_lengths, batch.src_mask, batch.tgt_in);
    loss_sum += cross_entropy(out.logits, batch.tgt_out, TranslationModel::kPad, 0.0, Reduction::Sum).item();
    token_count += ops::sum(batch.tgt_mask).item();
    std::vector<Ids> predicted;
    if (eval == "teacher") {
      predicted = teacher_forced_rows(out.logits, batch.tgt_mask);
    } else {
      const Translation decoded = beam > 1 ? model.beam_search(batch.src, batch.src_lengths, beam, max_len)
                                           : model.greedy_decode(batch.src, batch.src_lengths, batch.src_mask, max_len);
      predicted = rows_of(decoded.tokens);
    }
    const auto wanted = rows_of(batch.tgt_out);
    for (std::size_t b = 0; b < predicted.size(); ++b) {
      predictions.push_back(strip_at_eos(predicted[b]));
      references.push_back(strip_at_eos(wanted[b]));
      result.scores.add(predictions.back(), references.back());
    }
  }
  model.train();
  result.loss = loss_sum / std::max(token_count, 1.0);
  result.bleu = corpus_bleu(predictions, references);
  return result;
}

// A text heatmap: one row per output token, one column per source token.
std::string attention_picture(const std::vector<std::string>& source, const std::vector<std::string>& output,
                              const std::vector<double>& weights, std::int64_t source_len) {
  static const char* shades = " .:-=+*#%@";
  std::ostringstream out;
  out << "        ";
  for (const auto& s : source) out << (s.size() == 1 ? s : "?");
  out << "\n";
  for (std::size_t t = 0; t < output.size(); ++t) {
    std::string label = output[t];
    label.resize(6, ' ');
    out << "  " << label;
    for (std::size_t j = 0; j < source.size(); ++j) {
      const double w = weights[t * static_cast<std::size_t>(source_len) + j];
      out << shades[std::clamp(static_cast<int>(w * 9.999), 0, 9)];
    }
    out << "\n";
  }
  return out.str();
}

// The first `count` test sentences with the model's output and attention. eval
// "greedy" decodes them; "teacher" shows the teacher-forced argmax and the
// attention of that one forward pass, which for long sequences costs one pass
// instead of one per output token.
Json sample_translations(TranslationModel& model, const Corpus& corpus, std::int64_t count, std::int64_t max_len,
                         const std::string& eval, std::ostream* print) {
  Json samples = Json::array();
  const auto& test = corpus.task.test;
  count = std::min<std::int64_t>(count, static_cast<std::int64_t>(test.size()));
  if (count <= 0) return samples;
  std::vector<std::vector<std::int64_t>> sources, targets;
  for (std::int64_t i = 0; i < count; ++i) {
    sources.push_back(corpus.source_vocab.encode(corpus.source_tokenizer->tokenize(test[i].source)));
    targets.push_back(corpus.target_vocab.encode(corpus.target_tokenizer->tokenize(test[i].target)));
  }
  const data::SeqBatch batch = data::collate(sources, targets);
  NoGradGuard no_grad;
  model.eval();
  Translation decoded;
  if (eval == "teacher") {
    const TranslationOutput out = model.forward(batch.src, batch.src_lengths, batch.src_mask, batch.tgt_in);
    decoded = {ops::argmax(out.logits, -1), out.attention, out.attention_heads};
  } else {
    decoded = model.greedy_decode(batch.src, batch.src_lengths, batch.src_mask, max_len);
  }
  model.train();
  const auto rows = rows_of(decoded.tokens);
  const std::int64_t source_len = batch.src.size(1);
  const std::int64_t out_len = decoded.tokens.size(1);
  const std::vector<double> all_weights =
      decoded.attention.defined() ? decoded.attention.to_vector<double>() : std::vector<double>{};
  const std::vector<double> head_weights =  // (B, H, L, S) for multi-head models
      decoded.attention_heads.defined() ? decoded.attention_heads.to_vector<double>() : std::vector<double>{};
  const std::int64_t heads = decoded.attention_heads.defined() ? decoded.attention_heads.size(1) : 0;
  const std::string no_weights = model.attention_note().empty()
                                     ? "attention '" + model.attention_name() + "' gave no weights"
                                     : model.attention_note();
  for (std::int64_t i = 0; i < count; ++i) {
    const Ids predicted = strip_at_eos(rows[i]);
    std::vector<std::string> source_tokens = corpus.source_tokenizer->tokenize(test[i].source);
    std::vector<std::string> output_tokens = corpus.target_vocab.decode(rows[i], /*stop_at_eos=*/false);
    output_tokens.resize(std::min(output_tokens.size(), predicted.size() + 1));  // keep the <eos> step
    Json sample = {{"source", test[i].source},
                   {"target", test[i].target},
                   {"prediction", corpus.target_tokenizer->detokenize(corpus.target_vocab.decode(predicted))},
                   {"source_tokens", source_tokens},
                   {"output_tokens", output_tokens}};
    std::vector<double> weights;
    if (!all_weights.empty()) {
      for (std::size_t t = 0; t < output_tokens.size(); ++t)
        for (std::int64_t j = 0; j < static_cast<std::int64_t>(source_tokens.size()); ++j)
          weights.push_back(all_weights[(i * out_len + static_cast<std::int64_t>(t)) * source_len + j]);
      sample["attention"] = weights;  // (output tokens) x (source tokens), row-major
    } else {
      sample["attention_note"] = no_weights;  // why there is no matrix, for the report
    }
    if (heads > 0) {
      Json per_head = Json::array();  // one (output tokens) x (source tokens) matrix per head
      for (std::int64_t h = 0; h < heads; ++h) {
        std::vector<double> head;
        for (std::size_t t = 0; t < output_tokens.size(); ++t)
          for (std::int64_t j = 0; j < static_cast<std::int64_t>(source_tokens.size()); ++j)
            head.push_back(head_weights[((i * heads + h) * out_len + static_cast<std::int64_t>(t)) * source_len + j]);
        per_head.push_back(head);
      }
      sample["attention_heads"] = per_head;
    }
    if (print) {
      *print << "  source:     " << test[i].source << "\n  target:     " << test[i].target
             << "\n  prediction: " << sample["prediction"].get<std::string>() << "\n";
      constexpr std::size_t kPictureLimit = 80;  // wider pictures no terminal shows; samples.json has them
      if (!weights.empty() && std::max(source_tokens.size(), output_tokens.size()) > kPictureLimit)
        *print << "  (attention " << output_tokens.size() << " x " << source_tokens.size()
               << ": too large to draw here; samples.json holds the weights)\n";
      else if (!weights.empty())
        *print << attention_picture(source_tokens, output_tokens, weights, static_cast<std::int64_t>(source_tokens.size()));
      else
        *print << "  (" << no_weights << ")\n";
    }
    samples.push_back(sample);
  }
  return samples;
}

// config.json's keys and the fields they hold, both ways. Keys that came with the Transformer
// (d_model, ...) and later ones are absent from older files, which read with their defaults.
constexpr auto translate_fields = [](auto& c, auto&& visit) {
  visit("task", c.task); visit("tsv", c.tsv_path); visit("tokenizer", c.tokenizer);
  visit("train_size", c.train_size); visit("valid_size", c.valid_size); visit("test_size", c.test_size);
  visit("min_len", c.min_len); visit("max_len", c.max_len); visit("model", c.model); visit("cell", c.cell);
  visit("embed", c.embed_dim); visit("hidden", c.hidden); visit("layers", c.layers);
  visit("bidirectional", c.bidirectional); visit("local_window", c.local_window);
  visit("hard_estimator", c.hard_estimator); visit("gumbel_temperature", c.gumbel_temperature);
  visit("attention", c.attention); visit("dropout", c.dropout); visit("label_smoothing", c.label_smoothing);
  visit("d_model", c.d_model); visit("heads", c.heads); visit("kv_heads", c.kv_heads); visit("ff", c.ff);
  visit("decoder_layers", c.decoder_layers); visit("self_attention", c.self_attention);
  visit("decoder_attention", c.decoder_attention); visit("cross_attention", c.cross_attention);
  visit("position", c.position); visit("post_norm", c.post_norm); visit("eval", c.eval); visit("beam", c.beam);
  visit("samples", c.samples);
  train_option_fields(c.train, visit);
  attention_knob_fields(c.knobs, visit);
};

}  // namespace

Json translate_config_to_json(const TranslateConfig& c) { return fields_to_json(c, translate_fields, "translate"); }

TranslateConfig translate_config_from_json(const Json& json) {
  return fields_from_json<TranslateConfig>(json, translate_fields);
}

TranslateConfig with_model_defaults(TranslateConfig c) {
  const bool transformer = c.model == "transformer";
  if (c.layers <= 0) c.layers = transformer ? 2 : 1;
  if (c.attention.empty()) c.attention = transformer ? "mha" : "additive";
  if (!transformer) return c;
  if (c.decoder_layers <= 0) c.decoder_layers = c.layers;
  // --attention names the variant for every role it can play; a role it cannot
  // (no causal form, no cross-attention, or the encoding it refuses inside a
  // causal layer) falls back to mha unless that role was named explicitly.
  std::shared_ptr<TransformerAttention> probe;
  PositionKind position = PositionKind::None;
  if (contains(transformer_attention_names(), c.attention) && contains(positional_encoding_names(), c.position)) {
    Generator gen(0);
    TransformerAttentionConfig small = c.knobs;
    small.model_dim = 16;
    small.heads = 4;
    small.kv_heads = 0;
    probe = make_transformer_attention(c.attention, small, gen);
    position = make_positional_encoding(c.position, {.model_dim = 16, .heads = 4}, gen)->kind();
  }
  if (c.self_attention.empty()) c.self_attention = c.attention;
  if (c.decoder_attention.empty())
    c.decoder_attention = probe && !(probe->supports_causal() && probe->accepts_position(position)) ? "mha" : c.attention;
  if (c.cross_attention.empty()) c.cross_attention = probe && !probe->supports_cross() ? "mha" : c.attention;
  return c;
}

std::string default_run_name(const TranslateConfig& config) {
  const TranslateConfig c = with_model_defaults(config);
  const std::string position = c.model == "transformer" ? "-" + c.position : "";
  return c.task + "-" + c.model + "-" + c.attention + position + "-s" + std::to_string(c.train.seed);
}

namespace {

// The translation task for the Trainer: teacher-forced cross-entropy on the training batches
// (plus the auxiliary term of a model that has one), validation by decoding or teacher forcing.
class TranslationTraining final : public TrainingTask {
 public:
  TranslationTraining(const TranslateConfig& config, const Corpus& corpus, TranslationModel& model)
      : config_(config), corpus_(corpus), model_(model),
        train_(loader(corpus.task.train, config.train.batch_size, /*shuffle=*/true)),
        valid_(loader(corpus.task.validation, 256, false)), test_(loader(corpus.task.test, 256, false)),
        max_decode_(corpus.max_target_tokens + 2) {}

  data::SeqLoader& train_loader() { return train_; }

  BatchLoss train_batch() override {
    const data::SeqBatch batch = train_.next();
    const TranslationOutput out = model_.forward(batch.src, batch.src_lengths, batch.src_mask, batch.tgt_in);
    Tensor loss = cross_entropy(out.logits, batch.tgt_out, TranslationModel::kPad, config_.label_smoothing);
    // The loss reported is the cross-entropy alone, comparable with valid_loss; an auxiliary
    // term (hard attention's REINFORCE) only joins the gradient.
    const double loss_value = loss.item();
    if (model_.has_auxiliary_loss()) loss = loss + model_.auxiliary_loss(sentence_losses(out.logits, batch.tgt_out));
    NoGradGuard no_grad;
    const Tensor hits = ops::mul(ops::eq(ops::argmax(out.logits, -1), batch.tgt_out).to(DType::Float32), batch.tgt_mask);
    return {loss, loss_value, ops::sum(hits).item(), ops::sum(batch.tgt_mask).item()};
  }

  Evaluation validate() override {
    const SplitScores valid = evaluate(model_, valid_, 1, max_decode_, config_.eval);
    std::ostringstream line;
    line << "valid loss " << valid.loss << ", exact match " << 100 * valid.scores.exact_match()
         << "%, token accuracy " << 100 * valid.scores.token_accuracy() << "%";
    return {{{"valid_loss", valid.loss},
             {"valid_exact_match", valid.scores.exact_match()},
             {"valid_token_accuracy", valid.scores.token_accuracy()}},
            line.str()};
  }

  Json test(const RunDir& run) override {
    const SplitScores test = evaluate(model_, test_, config_.beam, max_decode_, config_.eval);
    Json fields = {{"test_exact_match", test.scores.exact_match()},
                   {"test_token_accuracy", test.scores.token_accuracy()},
                   {"test_loss", test.loss}};
    if (config_.task == "tsv") fields["test_bleu"] = test.bleu;
    if (config_.samples > 0) {
      std::ostringstream printed;
      run.write_json("samples.json",
                     sample_translations(model_, corpus_, config_.samples, max_decode_, config_.eval, &printed));
      if (!config_.train.quiet) std::cerr << "sample translations (test split):\n" << printed.str();
    }
    return fields;
  }

 private:
  data::SeqLoader loader(const std::vector<data::Example>& split, std::int64_t batch_size, bool shuffle) const {
    return data::SeqLoader(split, corpus_.source_vocab, corpus_.target_vocab, *corpus_.source_tokenizer,
                           *corpus_.target_tokenizer, batch_size, shuffle, config_.train.seed,
                           /*bucket_by_length=*/shuffle);
  }

  const TranslateConfig& config_;
  const Corpus& corpus_;
  TranslationModel& model_;
  data::SeqLoader train_, valid_, test_;
  std::int64_t max_decode_;
};

}  // namespace

Json run_translate(const TranslateConfig& requested) {
  const TranslateConfig config = with_model_defaults(requested);
  const TrainOptions& opt = config.train;
  configure_threads(opt);
  check_model_names(config);
  if (config.model == "transformer" && !opt.quiet)
    for (const auto& [role, asked, chosen] :
         {std::tuple{"decoder self-attention", requested.decoder_attention, config.decoder_attention},
          std::tuple{"cross-attention", requested.cross_attention, config.cross_attention}})
      if (asked.empty() && chosen != config.attention)
        std::cerr << "translate: " << config.attention << " cannot serve as " << role << " here; it uses " << chosen
                  << " (name another with --" << (role[0] == 'd' ? "decoder" : "cross") << "-attention)\n";
  const Corpus corpus = build_corpus(config);  // a bad task is refused before the run folder exists
  Generator gen(opt.seed);
  const std::shared_ptr<TranslationModel> model = build_model(config, corpus, gen);
  TranslationTraining task(config, corpus, *model);

  std::ostringstream data_text;
  data_text << corpus.task.train.size() << " train / " << corpus.task.validation.size() << " validation / "
            << corpus.task.test.size() << " test examples; vocab " << corpus.source_vocab.size() << " -> "
            << corpus.target_vocab.size();
  TrainerSetup setup{
      .driver = "translate", .run_name = default_run_name(config), .config = translate_config_to_json(config),
      .summary = {{"task", config.task}, {"model", config.model}, {"attention", config.attention}, {"eval", config.eval}},
      .data_text = data_text.str(), .train_accuracy = "train_token_accuracy",
      .valid_columns = {"valid_loss", "valid_exact_match", "valid_token_accuracy"}, .best_metric = "valid_exact_match",
      .model_dim = static_cast<double>(config.model == "transformer" ? config.d_model : config.hidden)};
  if (config.model == "transformer")
    setup.summary.update({{"self_attention", config.self_attention}, {"decoder_attention", config.decoder_attention},
                          {"cross_attention", config.cross_attention}, {"position", config.position}});
  Trainer trainer(setup, opt, *model, gen, DataPosition::of(task.train_loader()));
  return trainer.run(task);
}

}  // namespace heed::experiments
