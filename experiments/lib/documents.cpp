#include "experiments/lib/documents.h"

#include <algorithm>
#include <iostream>
#include <sstream>

#include "autograd/grad_mode.h"
#include "data/checkpoint.h"
#include "data/doc_batch.h"
#include "data/task_documents.h"
#include "experiments/lib/document_samples.h"
#include "layers/loss.h"
#include "layers/models/han.h"
#include "optim/clip.h"
#include "tensor/ops.h"
#include "tensor/storage.h"
#include "tensor/threads.h"

namespace heed::experiments {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

// Refuses an unknown task, model or pooling before any data is generated.
void check_names(const DocumentsConfig& c) {
  const auto& tasks = document_task_names();
  HEED_CHECK(std::find(tasks.begin(), tasks.end(), c.task) != tasks.end(), "documents: unknown task '", c.task,
             "'; valid tasks: ", joined(tasks));
  const auto& models = document_model_names();
  HEED_CHECK(std::find(models.begin(), models.end(), c.model) != models.end(), "documents: unknown model '", c.model,
             "'; valid models: ", joined(models));
  const auto& poolings = han_pooling_names();
  HEED_CHECK(std::find(poolings.begin(), poolings.end(), c.pooling) != poolings.end(), "documents: unknown pooling '",
             c.pooling, "'; valid poolings: ", joined(poolings));
}

data::DocumentTask build_task(const DocumentsConfig& c) {
  data::DocumentTaskOptions o;
  o.num_classes = c.classes;
  o.min_sentences = c.min_sentences;
  o.max_sentences = c.max_sentences;
  o.min_words = c.min_words;
  o.max_words = c.max_words;
  o.max_key_sentences = c.key_sentences;
  o.train_size = c.train_size;
  o.valid_size = c.valid_size;
  o.test_size = c.test_size;
  o.seed = c.train.seed;
  HEED_CHECK(c.train_size > 0 && c.valid_size > 0 && c.test_size > 0, "documents: split sizes ", c.train_size, ", ",
             c.valid_size, ", ", c.test_size, " must all be positive");
  return data::make_document_task(o);
}

data::Vocab build_vocab(const data::DocumentTask& task, const data::Tokenizer& tokenizer) {
  std::vector<std::string> sentences;
  for (const auto& doc : task.train) sentences.insert(sentences.end(), doc.sentences.begin(), doc.sentences.end());
  return data::Vocab::build(sentences, tokenizer);
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  double key_weight = 0;  // mean over documents of the sentence weight on its key sentences
};

Evaluation evaluate(HierarchicalAttentionNetwork& model, const data::DocLoader& loader,
                    const std::vector<data::Document>& documents) {
  NoGradGuard no_grad;
  model.eval();
  double loss_sum = 0, correct = 0, key_weight = 0;
  for (std::int64_t i = 0; i < loader.num_batches(); ++i) {
    const data::DocBatch batch = loader.batch(i);
    const HanOutput out = model.forward(batch.words, batch.word_lengths, batch.sentence_lengths);
    loss_sum += cross_entropy(out.logits, batch.labels, kDefaultIgnoreIndex, 0.0, Reduction::Sum).item();
    correct += ops::sum(ops::eq(ops::argmax(out.logits, -1), batch.labels)).item();
    const auto weights = out.sentence_weights.to_vector<double>();  // (B, S)
    const auto sentences = static_cast<std::size_t>(out.sentence_weights.size(1));
    for (std::size_t b = 0; b < batch.example_indices.size(); ++b)
      for (const std::int64_t k : documents[static_cast<std::size_t>(batch.example_indices[b])].key_sentences)
        key_weight += weights[b * sentences + static_cast<std::size_t>(k)];
  }
  model.train();
  const auto n = static_cast<double>(std::max<std::int64_t>(loader.num_examples(), 1));
  return {loss_sum / n, correct / n, key_weight / n};
}

}  // namespace

const std::vector<std::string>& document_task_names() {
  static const std::vector<std::string> names = {"documents"};
  return names;
}

const std::vector<std::string>& document_model_names() {
  static const std::vector<std::string> names = {"han"};
  return names;
}

Json documents_config_to_json(const DocumentsConfig& c) {
  const TrainOptions& t = c.train;
  return {{"driver", "documents"}, {"task", c.task}, {"classes", c.classes}, {"min_sentences", c.min_sentences},
          {"max_sentences", c.max_sentences}, {"min_words", c.min_words}, {"max_words", c.max_words},
          {"key_sentences", c.key_sentences}, {"train_size", c.train_size}, {"valid_size", c.valid_size},
          {"test_size", c.test_size}, {"model", c.model}, {"pooling", c.pooling}, {"embed", c.embed_dim},
          {"word_hidden", c.word_hidden}, {"sentence_hidden", c.sentence_hidden}, {"attn_dim", c.attn_dim},
          {"samples", c.samples}, {"steps", t.steps}, {"epochs", t.epochs}, {"batch", t.batch_size},
          {"optimizer", t.optimizer}, {"lr", t.lr}, {"weight_decay", t.weight_decay}, {"momentum", t.momentum},
          {"schedule", t.schedule}, {"warmup", t.warmup_steps}, {"clip_norm", t.clip_norm},
          {"eval_every", t.eval_every}, {"seed", t.seed}, {"threads", t.threads}, {"name", t.name},
          {"out_dir", t.out_dir}};
}

DocumentsConfig documents_config_from_json(const Json& j) {
  DocumentsConfig c;
  TrainOptions& t = c.train;
  c.task = j.at("task");
  c.classes = j.at("classes");
  c.min_sentences = j.at("min_sentences");
  c.max_sentences = j.at("max_sentences");
  c.min_words = j.at("min_words");
  c.max_words = j.at("max_words");
  c.key_sentences = j.at("key_sentences");
  c.train_size = j.at("train_size");
  c.valid_size = j.at("valid_size");
  c.test_size = j.at("test_size");
  c.model = j.at("model");
  c.pooling = j.at("pooling");
  c.embed_dim = j.at("embed");
  c.word_hidden = j.at("word_hidden");
  c.sentence_hidden = j.at("sentence_hidden");
  c.attn_dim = j.at("attn_dim");
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

std::string default_run_name(const DocumentsConfig& c) {
  return c.task + "-" + c.model + "-" + c.pooling + "-s" + std::to_string(c.train.seed);
}

Json run_documents(const DocumentsConfig& config) {
  const TrainOptions& opt = config.train;
  const std::string name = opt.name.empty() ? default_run_name(config) : opt.name;
  const int threads = configure_threads(opt);
  check_names(config);
  const data::DocumentTask task = build_task(config);  // bad options are refused before the run folder exists
  const data::WordTokenizer tokenizer;
  const data::Vocab vocab = build_vocab(task, tokenizer);
  RunDir run(opt.out_dir, name, opt.overwrite, opt.resume);
  if (!opt.resume) {
    Json saved = documents_config_to_json(config);
    saved["name"] = name;
    run.write_json("config.json", saved);
  }
  Generator gen(opt.seed);
  HanConfig model_config;
  model_config.vocab_size = vocab.size();
  model_config.num_classes = config.classes;
  model_config.embed_dim = config.embed_dim;
  model_config.word_hidden = config.word_hidden;
  model_config.sentence_hidden = config.sentence_hidden;
  model_config.attn_dim = config.attn_dim;
  model_config.pooling = config.pooling;
  HierarchicalAttentionNetwork model(model_config, gen);

  data::DocLoader train_loader(task.train, vocab, tokenizer, opt.batch_size, /*shuffle=*/true, opt.seed);
  const data::DocLoader valid_loader(task.validation, vocab, tokenizer, 250, false, opt.seed);
  const data::DocLoader test_loader(task.test, vocab, tokenizer, 250, false, opt.seed);
  const std::int64_t total_steps = opt.steps > 0 ? opt.steps : opt.epochs * train_loader.num_batches();
  const std::int64_t eval_every = std::min(total_steps, opt.eval_every > 0 ? opt.eval_every : train_loader.num_batches());
  auto optimizer = make_optimizer(model.parameters(), opt);
  auto schedule = make_schedule(opt, total_steps);

  std::int64_t step = 0;
  double best_valid = 0;
  if (opt.resume) {
    const io::Checkpoint ck = io::load_checkpoint(run.file("checkpoint.safetensors").string());
    model.load_state_dict(ck.model);
    optimizer->load_state_dict(ck.optimizer);
    step = ck.step;
    gen.set_state(ck.generator);
    train_loader.set_state(Json::parse(ck.extra.at("loader")).get<data::LoaderState>());
    best_valid = std::stod(ck.extra.at("best_valid_accuracy"));
  }
  MetricsLog metrics(run.file("metrics.csv"),
                     {"step", "epoch", "lr", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy",
                      "valid_key_weight", "elapsed_s"},
                     opt.resume, step);
  if (opt.verbose)
    std::cerr << "documents: " << task.train.size() << " train / " << task.validation.size() << " validation / "
              << task.test.size() << " test documents; vocab " << vocab.size() << "; " << model.num_parameters()
              << " parameters; " << total_steps << " steps; " << threads << " threads; BLAS " << blas_kernels() << "\n";

  auto save = [&](std::int64_t at_step) {
    io::Checkpoint ck;
    ck.model = model.state_dict();
    ck.optimizer = optimizer->state_dict();
    ck.step = at_step;
    ck.epoch = train_loader.epoch();
    ck.generator = gen.state();
    ck.extra["loader"] = Json(train_loader.state()).dump();
    ck.extra["best_valid_accuracy"] = std::to_string(best_valid);
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
    const data::DocBatch batch = train_loader.next();
    optimizer->set_lr(schedule->lr_at(step));
    const HanOutput out = model.forward(batch.words, batch.word_lengths, batch.sentence_lengths);
    Tensor loss = cross_entropy(out.logits, batch.labels);
    const double loss_value = loss.item();
    check_finite_loss(loss_value, step);
    loss.backward();
    if (opt.clip_norm > 0) optim::clip_grad_norm(model.parameters(), opt.clip_norm);
    optimizer->step();
    optimizer->zero_grad();
    ++step;
    {
      NoGradGuard no_grad;
      correct += ops::sum(ops::eq(ops::argmax(out.logits, -1), batch.labels)).item();
      counted += static_cast<double>(batch.size());
    }
    loss_sum += loss_value;
    ++loss_steps;
    train_seconds += step_time.seconds();
    progress.update(step, train_loader.epoch(), loss_value, counted > 0 ? correct / counted : 0);

    if (step % eval_every == 0 || step == total_steps) {
      const Evaluation valid = evaluate(model, valid_loader, task.validation);
      best_valid = std::max(best_valid, valid.accuracy);
      metrics.write({{"step", step}, {"epoch", train_loader.epoch()}, {"lr", optimizer->lr()},
                     {"train_loss", loss_sum / static_cast<double>(std::max<std::int64_t>(loss_steps, 1))},
                     {"train_accuracy", counted > 0 ? correct / counted : 0.0}, {"valid_loss", valid.loss},
                     {"valid_accuracy", valid.accuracy}, {"valid_key_weight", valid.key_weight},
                     {"elapsed_s", wall.seconds()}});
      std::ostringstream line;
      line << "step " << step << ": valid loss " << valid.loss << ", accuracy " << 100 * valid.accuracy
           << "%, sentence weight on key sentences " << valid.key_weight;
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

  Json summary = summary_of({.driver = "documents", .run = name, .run_dir = run.path().string(), .task = config.task,
                              .model = config.model, .seed = opt.seed, .steps = step, .steps_here = step - first_step,
                              .parameters = model.num_parameters(), .threads = threads,
                              .wall_seconds = wall.seconds(), .train_seconds = train_seconds});
  summary["pooling"] = config.pooling;
  summary["best_valid_accuracy"] = best_valid;
  if (stopped_early) {
    summary["stopped_at_step"] = step;
    return summary;
  }
  const Evaluation test = evaluate(model, test_loader, task.test);
  summary["test_accuracy"] = test.accuracy;
  summary["test_loss"] = test.loss;
  summary["test_key_weight"] = test.key_weight;
  if (config.samples > 0) {
    std::ostringstream printed;
    const Json samples =
        sample_documents(model, task.test, vocab, tokenizer, task.class_names, config.samples, &printed);
    run.write_json("samples.json", samples);
    if (!opt.quiet) std::cerr << "test documents with their weights:\n" << printed.str();
  }
  summary["commit"] = current_git_commit();
  summary["date"] = timestamp_utc();
  run.write_json("summary.json", summary);
  return summary;
}

}  // namespace heed::experiments
