// bench: op-level timings of heed, each beside a peer measured in the same run.
//
//   bench --mode matmul    C = A B for n x n float32 matrices (--sizes, default
//                          256,512,1024): GFLOP/s = 2 n^3 / seconds through the
//                          Tensor API (ops::matmul, output allocation included)
//                          and through a raw bli_sgemm into a preallocated buffer.
//                          Their ratio is heed's own overhead around BLIS.
//   bench --mode overhead  c = a + b on 1-element float32 tensors, nanoseconds
//                          per call, without and with gradient recording: the
//                          fixed per-op cost that dominates small models.
//   bench --mode attention forward + backward of sum(attention(q, k, v)) for q, k, v
//                          (--batch, --heads, --tokens, --head-dim), causal, float32:
//                          flash_attention (tiles, --tile) beside dense_attention
//                          (the (B, H, T, T) matrix), ms per step and the peak MB
//                          of heed's allocations during the step (BENCHMARKS W5).
//   bench --mode memory    where a training process's resident memory goes: the CNN +
//                          CBAM of BENCHMARKS W3 (batch --batch, default 128 here)
//                          trains, runs an evaluation forward of 500 images, trains
//                          on, then hands the allocator's free heap back to the system
//                          (malloc_trim). Each phase reports the resident set beside
//                          heed's live tensor bytes and glibc's bytes in use and free
//                          in its heap, which tells a leak (live bytes climbing) from
//                          an allocator keeping freed blocks for reuse.
//
// Timings on a shared machine drift, so heed and the peer alternate, one timed
// sample each per repetition, after a warm-up; the report is the median sample.
// ratio is heed's speed over raw BLIS's (1.0: no overhead), the median of the
// per-repetition ratios, since each pair was timed back to back under the same
// load. One JSON object per line on stdout:
//   {"bench":"matmul","n":512,"threads":2,"kernels":"zen3","heed_gflops":...,
//    "blis_gflops":...,"ratio":...,"reps":...}
//   {"bench":"overhead","op":"add","numel":1,"grad":false,"ns_per_call":...}
//   {"bench":"attention","batch":4,"heads":8,"tokens":1024,"head_dim":64,"tile":64,"threads":2,
//    "flash_ms":...,"dense_ms":...,"speedup":...,"flash_peak_mb":...,"dense_peak_mb":...,"reps":...}
//   {"bench":"memory","phase":"after 20 training steps","rss_mb":...,"heed_live_mb":...,
//    "malloc_in_use_mb":...,"malloc_free_heap_mb":...}
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

// blis.h's inline helpers trip these warnings; they are BLIS's code, not heed's.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include <blis.h>
#pragma GCC diagnostic pop

#include "autograd/autograd.h"
#include "autograd/functions.h"
#include "layers/attention/transformer_attention.h"
#include "layers/loss.h"
#include "layers/models/cnn_classifier.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tensor/storage.h"
#include "tensor/threads.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kWarmupReps = 3;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double rounded(double value, int digits) {
  double scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  return static_cast<double>(static_cast<std::int64_t>(value * scale + 0.5)) / scale;
}

// Seconds per call of fn, timing `calls` back-to-back calls.
template <typename Fn>
double time_per_call(std::int64_t calls, Fn&& fn) {
  const Clock::time_point start = Clock::now();
  for (std::int64_t i = 0; i < calls; ++i) fn();
  return seconds_since(start) / static_cast<double>(calls);
}

// Samples of time_a() and time_b() taken in turn, one each per repetition after kWarmupReps
// untimed ones: the load of a shared machine drifts, and alternating exposes both to the same.
template <typename TimeA, typename TimeB>
std::pair<std::vector<double>, std::vector<double>> alternating_samples(int reps, TimeA&& time_a, TimeB&& time_b) {
  std::pair<std::vector<double>, std::vector<double>> samples;
  for (int rep = 0; rep < kWarmupReps + reps; ++rep) {
    const double a = time_a(), b = time_b();
    if (rep < kWarmupReps) continue;
    samples.first.push_back(a);
    samples.second.push_back(b);
  }
  return samples;
}

void bench_matmul(const std::vector<int>& sizes, int reps, int threads) {
  const std::string kernels_line = heed::blas_kernels();
  const std::string kernels = kernels_line.substr(0, kernels_line.find(' '));
  heed::Generator gen(0);
  for (const int n : sizes) {
    const heed::Tensor a = heed::randn({n, n}, gen), b = heed::randn({n, n}, gen);
    std::vector<float> raw_out(static_cast<std::size_t>(n) * n);
    const double flops = 2.0 * n * n * n;
    // Small products are timed several to a sample, so each sample lasts ~1 ms or more.
    const auto calls = static_cast<std::int64_t>(std::max(1.0, 2e8 / flops));

    auto heed_matmul = [&] { const heed::Tensor c = heed::ops::matmul(a, b); };
    auto raw_sgemm = [&] {
      float one = 1, zero = 0;
      bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, n, n, n, &one, a.data<float>(), n, 1, b.data<float>(), n, 1,
                &zero, raw_out.data(), n, 1);
    };
    const auto [heed_seconds, raw_seconds] = alternating_samples(
        reps, [&] { return time_per_call(calls, heed_matmul); }, [&] { return time_per_call(calls, raw_sgemm); });
    std::vector<double> ratios;  // heed's speed as a fraction of raw BLIS's, each pair timed back to back
    for (std::size_t i = 0; i < heed_seconds.size(); ++i) ratios.push_back(raw_seconds[i] / heed_seconds[i]);
    nlohmann::ordered_json line = {{"bench", "matmul"},
                                   {"n", n},
                                   {"threads", threads},
                                   {"kernels", kernels},
                                   {"heed_gflops", rounded(flops / median(heed_seconds) / 1e9, 1)},
                                   {"blis_gflops", rounded(flops / median(raw_seconds) / 1e9, 1)},
                                   {"ratio", rounded(median(ratios), 3)},
                                   {"reps", reps}};
    std::cout << line.dump() << std::endl;
  }
}

void bench_overhead(int reps) {
  constexpr std::int64_t kCallsPerSample = 20000;
  const heed::Tensor a = heed::ones({1}), b = heed::ones({1});
  heed::Tensor a_recorded = heed::ones({1}), b_recorded = heed::ones({1});
  a_recorded.requires_grad_();
  b_recorded.requires_grad_();

  auto without_grad = [&] { const heed::Tensor c = heed::ops::add(a, b); };
  auto with_grad = [&] { const heed::Tensor c = heed::add(a_recorded, b_recorded); };  // records a graph node
  const auto [plain_seconds, recorded_seconds] =
      alternating_samples(reps, [&] { return time_per_call(kCallsPerSample, without_grad); },
                          [&] { return time_per_call(kCallsPerSample, with_grad); });
  for (const bool grad : {false, true}) {
    const double seconds = median(grad ? recorded_seconds : plain_seconds);
    nlohmann::ordered_json line = {{"bench", "overhead"}, {"op", "add"}, {"numel", 1}, {"grad", grad},
                                   {"ns_per_call", rounded(seconds * 1e9, 1)}};
    std::cout << line.dump() << std::endl;
  }
}

struct AttentionShape {
  int batch, heads, tokens, head_dim, tile;
};

// Causal self-attention of q, k, v (B, H, T, Dh) forward and backward, flash beside dense:
// ms per step (median, alternating) and the peak of heed's allocations above what was live before.
void bench_attention(const AttentionShape& s, int reps, int threads) {
  heed::Generator gen(0);
  const heed::Shape shape = {s.batch, s.heads, s.tokens, s.head_dim};
  heed::Tensor q = heed::randn(shape, gen), k = heed::randn(shape, gen), v = heed::randn(shape, gen);
  for (heed::Tensor* t : {&q, &k, &v}) t->requires_grad_();
  auto step = [&](bool flash) {
    const heed::Tensor out = flash ? heed::flash_attention(q, k, v, heed::Tensor(), /*causal=*/true, s.tile)
                                   : heed::dense_attention(q, k, v, heed::Tensor(), /*causal=*/true, nullptr).output;
    heed::sum(out).backward();
  };
  auto drop_grads = [&] {
    for (heed::Tensor* t : {&q, &k, &v}) t->zero_grad();
  };
  auto peak_mb = [&](bool flash) {
    drop_grads();  // what was live before: q, k and v alone
    heed::reset_peak_memory();
    const std::int64_t before = heed::memory_stats().current_bytes;
    step(flash);
    return static_cast<double>(heed::memory_stats().peak_bytes - before) / (1024.0 * 1024.0);
  };
  const auto timed = [&](bool flash) {
    drop_grads();
    return time_per_call(1, [&] { step(flash); });
  };
  const auto [flash_seconds, dense_seconds] =
      alternating_samples(reps, [&] { return timed(true); }, [&] { return timed(false); });
  const double flash_ms = median(flash_seconds) * 1e3, dense_ms = median(dense_seconds) * 1e3;
  nlohmann::ordered_json line = {{"bench", "attention"},      {"batch", s.batch},
                                 {"heads", s.heads},          {"tokens", s.tokens},
                                 {"head_dim", s.head_dim},    {"tile", s.tile},
                                 {"threads", threads},        {"flash_ms", rounded(flash_ms, 1)},
                                 {"dense_ms", rounded(dense_ms, 1)}, {"speedup", rounded(dense_ms / flash_ms, 2)},
                                 {"flash_peak_mb", rounded(peak_mb(true), 1)},
                                 {"dense_peak_mb", rounded(peak_mb(false), 1)}, {"reps", reps}};
  std::cout << line.dump() << std::endl;
}

// ---- --mode memory -------------------------------------------------------------

double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  long total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

void report_memory(const std::string& phase) {
  const struct mallinfo2 heap = mallinfo2();
  const double mb = 1024.0 * 1024.0;
  nlohmann::ordered_json line = {
      {"bench", "memory"},
      {"phase", phase},
      {"rss_mb", rounded(resident_mb(), 1)},
      {"heed_live_mb", rounded(static_cast<double>(heed::memory_stats().current_bytes) / mb, 1)},
      {"malloc_in_use_mb", rounded(static_cast<double>(heap.uordblks + heap.hblkhd) / mb, 1)},
      {"malloc_free_heap_mb", rounded(static_cast<double>(heap.fordblks) / mb, 1)}};
  std::cout << line.dump() << std::endl;
}

void bench_memory(int batch) {
  heed::Generator gen(1);
  heed::CnnClassifier model({}, gen);  // Conv(1->32)-ReLU-CBAM-MaxPool-Conv(32->64)-ReLU-CBAM-MaxPool-...
  heed::add_vision_attention(model, "cbam", {}, {.reduction = 8, .spatial_kernel = 7}, gen);
  heed::optim::Adam adam(model.parameters(), {.lr = 1e-3});
  const heed::Tensor images = heed::randn({batch, 1, 28, 28}, gen), labels = heed::randint(0, 10, {batch}, gen);
  const heed::Tensor evaluation_images = heed::randn({500, 1, 28, 28}, gen);
  auto train = [&](int steps) {
    for (int step = 0; step < steps; ++step) {
      adam.zero_grad();
      heed::cross_entropy(model(images), labels).backward();
      adam.step();
    }
  };
  auto evaluate = [&] {
    heed::NoGradGuard no_grad;
    model.eval();
    model(evaluation_images);
    model.train();
  };
  report_memory("model built");
  train(5);
  report_memory("after 5 training steps");
  train(20);
  report_memory("after 25 training steps");
  evaluate();
  report_memory("after an evaluation forward of 500 images");
  train(20);
  report_memory("after 20 more training steps");
  evaluate();
  train(20);
  report_memory("after a second evaluation and 20 more steps");
  malloc_trim(0);
  report_memory("after malloc_trim(0)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cxxopts::Options options("bench", "Op-level timings of heed beside raw BLIS; one JSON line per measurement.");
    options.add_options()
        ("mode", "what to time: matmul, overhead, attention, memory or all (all: matmul and overhead)",
         cxxopts::value<std::string>()->default_value("all"))
        ("sizes", "matrix sizes n for --mode matmul (n x n @ n x n, float32)",
         cxxopts::value<std::vector<int>>()->default_value("256,512,1024"))
        ("batch", "--mode attention: batch size B; --mode memory: the training batch (default there: 128)",
         cxxopts::value<int>()->default_value("4"))
        ("heads", "--mode attention: heads H", cxxopts::value<int>()->default_value("8"))
        ("tokens", "--mode attention: sequence length T", cxxopts::value<int>()->default_value("1024"))
        ("head-dim", "--mode attention: head size Dh", cxxopts::value<int>()->default_value("64"))
        ("tile", "--mode attention: flash attention's tile size", cxxopts::value<int>()->default_value("64"))
        ("threads", "CPU threads for heed and BLIS",
         cxxopts::value<int>()->default_value(std::to_string(heed::num_threads())))
        ("reps", "timed repetitions after warm-up; the median is reported",
         cxxopts::value<int>()->default_value("15"))
        ("verbose", "print the BLIS kernels in use and why to stderr (default: off)", cxxopts::value<bool>()->default_value("false"))
        ("h,help", "print this help");
    const cxxopts::ParseResult args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << std::endl;
      return 0;
    }
    if (!args.unmatched().empty()) {
      std::cerr << "bench: unexpected argument '" << args.unmatched().front() << "'; see bench --help\n";
      return 2;
    }
    const std::string mode = args["mode"].as<std::string>();
    const std::vector<int> sizes = args["sizes"].as<std::vector<int>>();
    const int threads = args["threads"].as<int>();
    const int reps = args["reps"].as<int>();
    HEED_CHECK(mode == "matmul" || mode == "overhead" || mode == "attention" || mode == "memory" || mode == "all",
               "bench: --mode ", mode, " is not one of matmul, overhead, attention, memory, all");
    const AttentionShape attention{args["batch"].as<int>(), args["heads"].as<int>(), args["tokens"].as<int>(),
                                   args["head-dim"].as<int>(), args["tile"].as<int>()};
    HEED_CHECK(attention.batch >= 1 && attention.heads >= 1 && attention.tokens >= 1 && attention.head_dim >= 1 &&
                   attention.tile >= 1,
               "bench: --batch, --heads, --tokens, --head-dim and --tile must be positive");
    HEED_CHECK(threads >= 1, "bench: --threads must be at least 1, got ", threads);
    HEED_CHECK(reps >= 1, "bench: --reps must be at least 1, got ", reps);
    for (const int n : sizes) HEED_CHECK(n >= 1, "bench: --sizes must be positive, got ", n);

    heed::set_num_threads(threads);  // also chooses the BLIS kernels, before the raw BLIS calls
    if (args["verbose"].as<bool>())
      std::cerr << "bench: BLIS kernels " << heed::blas_kernels() << ", " << heed::num_threads() << " threads\n";
    if (mode == "matmul" || mode == "all") bench_matmul(sizes, reps, threads);
    if (mode == "overhead" || mode == "all") bench_overhead(reps);
    if (mode == "attention") bench_attention(attention, reps, threads);
    if (mode == "memory") bench_memory(args.count("batch") ? attention.batch : 128);
    return 0;
  } catch (const cxxopts::exceptions::exception& error) {
    std::cerr << "bench: " << error.what() << "; see bench --help\n";
    return 2;
  } catch (const heed::Error& error) {
    std::cerr << error.what() << "\n";
    return 1;
  }
}
