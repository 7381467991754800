#include "experiments/lib/translate.h"

#include <algorithm>
#include <iostream>
#include <sstream>
#include <tuple>

#include "autograd/grad_mode.h"
#include "data/checkpoint.h"
#include "data/seq_batch.h"
#include "data/tasks.h"
#include "experiments/lib/attention_flags.h"
#include "experiments/lib/metrics.h"
#include "layers/attention/registry.h"
#include "layers/attention/transformer_registry.h"
#include "layers/loss.h"
#include "layers/models/seq2seq.h"
#include "layers/models/transformer.h"
#include "layers/position/registry.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "tensor/threads.h"

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
  const auto names = data::task_names();
  if (std::find(names.begin(), names.end(), c.task) == names.end()) {
    std::ostringstream valid;
    for (const auto& n : names) valid << (valid.tellp() > 0 ? ", " : "") << n;
    detail::fail("translate: unknown task '", c.task, "'; valid tasks: ", valid.str());
  }
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
  TransformerConfig m;
  m.src_vocab = src_vocab;
  m.tgt_vocab = tgt_vocab;
  m.model_dim = c.d_model;
  m.heads = c.heads;
  m.kv_heads = c.kv_heads;
  m.ff_dim = c.ff;
  m.encoder_layers = c.layers;
  m.decoder_layers = c.decoder_layers;
  m.dropout = c.dropout;
  m.norm_first = !c.post_norm;
  m.encoder_attention = c.self_attention;
  m.decoder_attention = c.decoder_attention;
  m.cross_attention = c.cross_attention;
  m.attention = c.knobs;
  m.position = c.position;
  m.max_len = max_len;
  return m;
}

// Refuses an unknown model, attention or encoding name, and a variant in a
// role it cannot fill, before any data is generated. c has its model defaults.
void check_model_names(const TranslateConfig& c) {
  HEED_CHECK(c.model == "rnn" || c.model == "transformer", "translate: unknown model '", c.model,
             "'; valid models: rnn, transformer");
  HEED_CHECK(c.eval == "greedy" || c.eval == "teacher", "translate: unknown --eval '", c.eval,
             "'; valid: greedy (decode), teacher (teacher-forced argmax)");
  if (c.model == "rnn") {
    const auto attentions = sequence_attention_names();
    if (std::find(attentions.begin(), attentions.end(), c.attention) == attentions.end())
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
  Seq2SeqConfig m;
  m.src_vocab = corpus.source_vocab.size();
  m.tgt_vocab = corpus.target_vocab.size();
  m.embed_dim = c.embed_dim;
  m.hidden = c.hidden;
  m.cell = c.cell;
  m.bidirectional = c.bidirectional;
  m.attention_window = c.local_window;
  m.hard_estimator = c.hard_estimator;
  m.gumbel_temperature = c.gumbel_temperature;
  m.encoder_layers = c.layers;
  m.attention = c.attention;
  m.dropout = c.dropout;
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

struct Evaluation {
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
Evaluation evaluate(TranslationModel& model, data::SeqLoader& loader, std::int64_t beam, std::int64_t max_len,
                    const std::string& eval) {
  NoGradGuard no_grad;
  model.eval();
  Evaluation result;
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

Json config_json(const TranslateConfig& c) {
  const TrainOptions& t = c.train;
  Json json = {{"driver", "translate"}, {"task", c.task}, {"tsv", c.tsv_path}, {"tokenizer", c.tokenizer},
          {"train_size", c.train_size}, {"valid_size", c.valid_size}, {"test_size", c.test_size},
          {"min_len", c.min_len}, {"max_len", c.max_len}, {"model", c.model}, {"cell", c.cell},
          {"embed", c.embed_dim}, {"hidden", c.hidden}, {"layers", c.layers}, {"bidirectional", c.bidirectional},
          {"local_window", c.local_window}, {"hard_estimator", c.hard_estimator},
          {"gumbel_temperature", c.gumbel_temperature},
          {"attention", c.attention}, {"dropout", c.dropout}, {"label_smoothing", c.label_smoothing},
          {"d_model", c.d_model}, {"heads", c.heads}, {"kv_heads", c.kv_heads}, {"ff", c.ff},
          {"decoder_layers", c.decoder_layers}, {"self_attention", c.self_attention},
          {"decoder_attention", c.decoder_attention}, {"cross_attention", c.cross_attention},
          {"position", c.position}, {"post_norm", c.post_norm}, {"eval", c.eval},
          {"beam", c.beam}, {"samples", c.samples}, {"steps", t.steps}, {"epochs", t.epochs},
          {"batch", t.batch_size}, {"optimizer", t.optimizer}, {"lr", t.lr}, {"weight_decay", t.weight_decay},
          {"momentum", t.momentum}, {"schedule", t.schedule}, {"warmup", t.warmup_steps}, {"clip_norm", t.clip_norm},
          {"eval_every", t.eval_every}, {"seed", t.seed}, {"threads", t.threads}, {"name", t.name},
          {"out_dir", t.out_dir}};
  json.update(attention_knobs_to_json(c.knobs));
  return json;
}

}  // namespace

Json translate_config_to_json(const TranslateConfig& config) { return config_json(config); }

TranslateConfig translate_config_from_json(const Json& j) {
  TranslateConfig c;
  TrainOptions& t = c.train;
  c.task = j.at("task");
  c.tsv_path = j.at("tsv");
  c.tokenizer = j.at("tokenizer");
  c.train_size = j.at("train_size");
  c.valid_size = j.at("valid_size");
  c.test_size = j.at("test_size");
  c.min_len = j.at("min_len");
  c.max_len = j.at("max_len");
  c.model = j.at("model");
  c.cell = j.at("cell");
  c.embed_dim = j.at("embed");
  c.hidden = j.at("hidden");
  c.layers = j.at("layers");
  c.bidirectional = j.at("bidirectional");
  c.local_window = j.value("local_window", c.local_window);
  c.hard_estimator = j.value("hard_estimator", c.hard_estimator);
  c.gumbel_temperature = j.value("gumbel_temperature", c.gumbel_temperature);
  c.attention = j.at("attention");
  c.dropout = j.at("dropout");
  c.label_smoothing = j.at("label_smoothing");
  // Keys added with the Transformer: a config.json written before them reads with their defaults.
  c.d_model = j.value("d_model", c.d_model);
  c.heads = j.value("heads", c.heads);
  c.kv_heads = j.value("kv_heads", c.kv_heads);
  c.ff = j.value("ff", c.ff);
  c.decoder_layers = j.value("decoder_layers", c.decoder_layers);
  c.self_attention = j.value("self_attention", c.self_attention);
  c.decoder_attention = j.value("decoder_attention", c.decoder_attention);
  c.cross_attention = j.value("cross_attention", c.cross_attention);
  c.position = j.value("position", c.position);
  c.post_norm = j.value("post_norm", c.post_norm);
  attention_knobs_from_json(j, c.knobs);
  c.eval = j.value("eval", c.eval);
  c.beam = j.at("beam");
  c.samples = j.at("samples");
  t.steps = j.at("steps");
  t.epochs = j.at("epochs");
  t.batch_size = j.at("batch");
  t.optimizer = j.at("optimizer");
  t.lr = j.at("lr");
  t.weight_decay = j.at("weight_decay");
  t.momentum = j.at("momentum");
  t.schedule = j.at("schedule");
  t.warmup_steps = j.at("warmup");
  t.clip_norm = j.at("clip_norm");
  t.eval_every = j.at("eval_every");
  t.seed = j.at("seed");
  t.threads = j.at("threads");
  t.name = j.at("name");
  t.out_dir = j.at("out_dir");
  return c;
}

namespace {
bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}
bool transformer_attention_names_contain(const std::string& name) {
  return contains(transformer_attention_names(), name);
}
bool positional_encoding_names_contain(const std::string& name) { return contains(positional_encoding_names(), name); }
}  // namespace

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
  if (transformer_attention_names_contain(c.attention) && positional_encoding_names_contain(c.position)) {
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

Json run_translate(const TranslateConfig& requested) {
  const TranslateConfig config = with_model_defaults(requested);
  const TrainOptions& opt = config.train;
  const std::string name = opt.name.empty() ? default_run_name(config) : opt.name;
  const int threads = configure_threads(opt);
  check_model_names(config);
  if (config.model == "transformer" && !opt.quiet)
    for (const auto& [role, asked, chosen] :
         {std::tuple{"decoder self-attention", requested.decoder_attention, config.decoder_attention},
          std::tuple{"cross-attention", requested.cross_attention, config.cross_attention}})
      if (asked.empty() && chosen != config.attention)
        std::cerr << "translate: " << config.attention << " cannot serve as " << role << " here; it uses " << chosen
                  << " (name another with --" << (role[0] == 'd' ? "decoder" : "cross") << "-attention)\n";
  Corpus corpus = build_corpus(config);  // a bad task is refused before the run folder exists
  RunDir run(opt.out_dir, name, opt.overwrite, opt.resume);
  if (!opt.resume) {
    Json saved = config_json(config);
    saved["name"] = name;
    run.write_json("config.json", saved);
  }
  Generator gen(opt.seed);
  const std::shared_ptr<TranslationModel> model_ptr = build_model(config, corpus, gen);
  TranslationModel& model = *model_ptr;
  data::SeqLoader train_loader(corpus.task.train, corpus.source_vocab, corpus.target_vocab, *corpus.source_tokenizer,
                               *corpus.target_tokenizer, opt.batch_size, /*shuffle=*/true, opt.seed,
                               /*bucket_by_length=*/true);
  data::SeqLoader valid_loader(corpus.task.validation, corpus.source_vocab, corpus.target_vocab,
                               *corpus.source_tokenizer, *corpus.target_tokenizer, 256, false, opt.seed);
  data::SeqLoader test_loader(corpus.task.test, corpus.source_vocab, corpus.target_vocab, *corpus.source_tokenizer,
                              *corpus.target_tokenizer, 256, false, opt.seed);
  const std::int64_t total_steps = opt.steps > 0 ? opt.steps : opt.epochs * train_loader.num_batches();
  const std::int64_t eval_every =
      std::min(total_steps, opt.eval_every > 0 ? opt.eval_every : train_loader.num_batches());
  const std::int64_t max_decode = corpus.max_target_tokens + 2;

  auto optimizer = make_optimizer(model.parameters(), opt);
  auto schedule = make_schedule(opt, total_steps,
                                static_cast<double>(config.model == "transformer" ? config.d_model : config.hidden));

  std::int64_t step = 0;
  double best_valid_exact = 0;
  if (opt.resume) {
    const io::Checkpoint ck = io::load_checkpoint(run.file("checkpoint.safetensors").string());
    model.load_state_dict(ck.model);
    optimizer->load_state_dict(ck.optimizer);
    step = ck.step;
    gen.set_state(ck.generator);
    train_loader.set_state(Json::parse(ck.extra.at("loader")).get<data::LoaderState>());
    best_valid_exact = std::stod(ck.extra.at("best_valid_exact"));
  }
  MetricsLog metrics(run.file("metrics.csv"),
                     {"step", "epoch", "lr", "train_loss", "train_token_accuracy", "valid_loss", "valid_exact_match",
                      "valid_token_accuracy", "elapsed_s"},
                     opt.resume, step);
  if (opt.verbose)
    std::cerr << "translate: " << corpus.task.train.size() << " train / " << corpus.task.validation.size()
              << " validation / " << corpus.task.test.size() << " test examples; vocab " << corpus.source_vocab.size()
              << " -> " << corpus.target_vocab.size() << "; " << model.num_parameters() << " parameters; "
              << total_steps << " steps\n";

  auto save = [&](std::int64_t at_step) {
    io::Checkpoint ck;
    ck.model = model.state_dict();
    ck.optimizer = optimizer->state_dict();
    ck.step = at_step;
    ck.epoch = train_loader.epoch();
    ck.generator = gen.state();
    ck.extra["loader"] = Json(train_loader.state()).dump();
    ck.extra["best_valid_exact"] = std::to_string(best_valid_exact);
    io::save_checkpoint(run.file("checkpoint.safetensors").string(), ck);
  };

  reset_peak_memory();
  Progress progress(total_steps, step, opt.quiet);
  Stopwatch wall;
  double train_seconds = 0;
  const std::int64_t first_step = step;
  double loss_sum = 0, correct = 0, counted = 0;
  std::int64_t loss_steps = 0;
  bool stopped_early = false;
  while (step < total_steps) {
    Stopwatch step_time;
    const data::SeqBatch batch = train_loader.next();
    optimizer->set_lr(schedule->lr_at(step));
    const TranslationOutput out = model.forward(batch.src, batch.src_lengths, batch.src_mask, batch.tgt_in);
    Tensor loss = cross_entropy(out.logits, batch.tgt_out, TranslationModel::kPad, config.label_smoothing);
    // The logged loss is the cross-entropy alone, comparable with valid_loss;
    // an auxiliary term (hard attention's REINFORCE) only joins the gradient.
    const double loss_value = loss.item();
    check_finite_loss(loss_value, step);
    if (model.has_auxiliary_loss()) loss = loss + model.auxiliary_loss(sentence_losses(out.logits, batch.tgt_out));
    loss.backward();
    if (opt.clip_norm > 0) optim::clip_grad_norm(model.parameters(), opt.clip_norm);
    optimizer->step();
    optimizer->zero_grad();
    ++step;
    {
      NoGradGuard no_grad;
      const Tensor hits = ops::mul(ops::eq(ops::argmax(out.logits, -1), batch.tgt_out).to(DType::Float32), batch.tgt_mask);
      correct += ops::sum(hits).item();
      counted += ops::sum(batch.tgt_mask).item();
    }
    loss_sum += loss_value;
    ++loss_steps;
    train_seconds += step_time.seconds();
    progress.update(step, train_loader.epoch(), loss_value, counted > 0 ? correct / counted : 0);

    if (step % eval_every == 0 || step == total_steps) {
      const Evaluation valid = evaluate(model, valid_loader, 1, max_decode, config.eval);
      best_valid_exact = std::max(best_valid_exact, valid.scores.exact_match());
      metrics.write({{"step", step}, {"epoch", train_loader.epoch()}, {"lr", optimizer->lr()},
                     {"train_loss", loss_sum / static_cast<double>(std::max<std::int64_t>(loss_steps, 1))},
                     {"train_token_accuracy", counted > 0 ? correct / counted : 0.0}, {"valid_loss", valid.loss},
                     {"valid_exact_match", valid.scores.exact_match()},
                     {"valid_token_accuracy", valid.scores.token_accuracy()}, {"elapsed_s", wall.seconds()}});
      std::ostringstream line;
      line << "step " << step << ": valid loss " << valid.loss << ", exact match " << 100 * valid.scores.exact_match()
           << "%, token accuracy " << 100 * valid.scores.token_accuracy() << "%";
      progress.message(line.str());
      loss_sum = correct = counted = 0;
      loss_steps = 0;
      save(step);
      if (opt.stop_after > 0 && step - first_step >= opt.stop_after && step < total_steps) {
        stopped_early = true;
        break;
      }
    }
  }
  progress.finish();

  Json summary = summary_of({.driver = "translate", .run = name, .run_dir = run.path().string(), .task = config.task,
                              .model = config.model, .seed = opt.seed, .steps = step, .steps_here = step - first_step,
                              .parameters = model.num_parameters(), .threads = threads,
                              .wall_seconds = wall.seconds(), .train_seconds = train_seconds});
  summary["attention"] = config.attention;
  summary["eval"] = config.eval;
  summary["best_valid_exact_match"] = best_valid_exact;
  if (config.model == "transformer") {
    summary["self_attention"] = config.self_attention;
    summary["decoder_attention"] = config.decoder_attention;
    summary["cross_attention"] = config.cross_attention;
    summary["position"] = config.position;
  }
  if (stopped_early) {
    summary["stopped_at_step"] = step;
    return summary;
  }
  const Evaluation test = evaluate(model, test_loader, config.beam, max_decode, config.eval);
  summary["test_exact_match"] = test.scores.exact_match();
  summary["test_token_accuracy"] = test.scores.token_accuracy();
  summary["test_loss"] = test.loss;
  if (config.task == "tsv") summary["test_bleu"] = test.bleu;
  if (config.samples > 0) {
    std::ostringstream printed;
    const Json samples = sample_translations(model, corpus, config.samples, max_decode, config.eval, &printed);
    run.write_json("samples.json", samples);
    if (!opt.quiet) std::cerr << "sample translations (test split):\n" << printed.str();
  }
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run.write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
