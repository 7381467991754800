// A graph that is never back-propagated must be freed with its last output.
//
// Inference that forgot NoGradGuard, or an attention map kept for a picture,
// builds a graph that no backward() ever walks. Its Nodes must die with the
// last tensor that refers to them. The trap is an op whose backward keeps its
// own output (softmax, exp, tanh, ...): were the output's graph link on the
// very handle the Node keeps, the Node would own itself and never be freed.
//
// Each case runs one differentiable op on inputs that require grad, keeps a
// weak handle to the Node, drops the output and asks whether the Node is gone:
// a cycle keeps it alive, so this fails without any sanitizer. The table holds
// every differentiable op, those that keep their output first.
#include <unistd.h>

#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "helpers.h"

using namespace heed;
using heed::test::random_input;

namespace {

struct LifetimeCase {
  std::string name;
  std::function<Tensor(const Tensor& x, const Tensor& y)>  // x (3, 4) in (0.5, 1.5), y (3, 4) in (-1, 1)
      op;
};

// The ops whose backward keeps their own output.
std::vector<LifetimeCase> output_saving_ops() {
  return {
      {"exp", [](const Tensor& x, const Tensor&) { return exp(x); }},
      {"sqrt", [](const Tensor& x, const Tensor&) { return sqrt(x); }},
      {"rsqrt", [](const Tensor& x, const Tensor&) { return rsqrt(x); }},
      {"tanh", [](const Tensor&, const Tensor& y) { return tanh(y); }},
      {"sigmoid", [](const Tensor&, const Tensor& y) { return sigmoid(y); }},
      {"pow (tensor exponent)", [](const Tensor& x, const Tensor& y) { return pow(x, y); }},
      {"softmax", [](const Tensor&, const Tensor& y) { return softmax(y, -1); }},
      {"log_softmax", [](const Tensor&, const Tensor& y) { return log_softmax(y, -1); }},
      {"logsumexp (keepdim)", [](const Tensor&, const Tensor& y) { return logsumexp(y, -1, /*keepdim=*/true); }},
      {"logsumexp", [](const Tensor&, const Tensor& y) { return logsumexp(y, -1); }},
      {"flash_attention",
       [](const Tensor& x, const Tensor& y) {
         const Tensor q = reshape(y, {1, 1, 3, 4}), k = reshape(x, {1, 1, 3, 4});
         return flash_attention(q, k, k, Tensor(), /*causal=*/true, /*tile=*/2);
       }},
  };
}

// Every other differentiable op: they keep inputs, shapes or indices, and must free all the same.
std::vector<LifetimeCase> other_ops() {
  const Tensor index = from_vector(std::vector<std::int64_t>{2, 0}, {2});
  const Tensor rows = from_vector(std::vector<std::int64_t>{0, 2, 1, 0, 1, 2, 0, 0, 2, 1, 1, 0}, {3, 4});
  return {
      {"neg", [](const Tensor& x, const Tensor&) { return neg(x); }},
      {"abs", [](const Tensor&, const Tensor& y) { return abs(y); }},
      {"log", [](const Tensor& x, const Tensor&) { return log(x); }},
      {"relu", [](const Tensor&, const Tensor& y) { return relu(y); }},
      {"gelu", [](const Tensor&, const Tensor& y) { return gelu(y); }},
      {"elu", [](const Tensor&, const Tensor& y) { return elu(y); }},
      {"sin", [](const Tensor&, const Tensor& y) { return sin(y); }},
      {"cos", [](const Tensor&, const Tensor& y) { return cos(y); }},
      {"square", [](const Tensor&, const Tensor& y) { return square(y); }},
      {"pow (scalar exponent)", [](const Tensor& x, const Tensor&) { return pow(x, 1.5); }},
      {"add", [](const Tensor& x, const Tensor& y) { return x + y; }},
      {"sub", [](const Tensor& x, const Tensor& y) { return x - y; }},
      {"mul", [](const Tensor& x, const Tensor& y) { return x * y; }},
      {"div", [](const Tensor& x, const Tensor& y) { return y / x; }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); }},
      {"where", [](const Tensor& x, const Tensor& y) { return where(gt(y, zeros_like(y)), x, y); }},
      {"masked_fill", [](const Tensor& x, const Tensor& y) { return masked_fill(x, gt(y, zeros_like(y)), 0.0); }},
      {"reshape", [](const Tensor& x, const Tensor&) { return reshape(x, {4, 3}); }},
      {"transpose", [](const Tensor& x, const Tensor&) { return transpose(x, 0, 1); }},
      {"slice", [](const Tensor& x, const Tensor&) { return slice(x, 1, 1, 3); }},
      {"select", [](const Tensor& x, const Tensor&) { return select(x, 0, 1); }},
      {"expand", [](const Tensor& x, const Tensor&) { return expand(unsqueeze(x, 0), {2, 3, 4}); }},
      {"contiguous", [](const Tensor& x, const Tensor&) { return contiguous(transpose(x, 0, 1)); }},
      {"contiguous of a contiguous tensor", [](const Tensor& x, const Tensor&) { return contiguous(x); }},
      {"clone", [](const Tensor& x, const Tensor&) { return clone(x); }},
      {"to float32", [](const Tensor& x, const Tensor&) { return to(x, DType::Float32); }},
      {"sum", [](const Tensor& x, const Tensor&) { return sum(x, {1}); }},
      {"mean", [](const Tensor& x, const Tensor&) { return mean(x); }},
      {"var", [](const Tensor& x, const Tensor&) { return var(x, {1}); }},
      {"amax", [](const Tensor&, const Tensor& y) { return amax(y, 1); }},
      {"amin", [](const Tensor&, const Tensor& y) { return amin(y, 1, /*keepdim=*/true); }},
      {"matmul", [](const Tensor& x, const Tensor& y) { return matmul(x, transpose(y, 0, 1)); }},
      {"concat", [](const Tensor& x, const Tensor& y) { return concat({x, y}, 0); }},
      {"stack", [](const Tensor& x, const Tensor& y) { return stack({x, y}, 1); }},
      {"index_select", [index](const Tensor& x, const Tensor&) { return index_select(x, 0, index); }},
      {"index_add", [index](const Tensor& x, const Tensor& y) { return index_add(x, 0, index, slice(y, 0, 0, 2)); }},
      {"gather", [rows](const Tensor& x, const Tensor&) { return gather(x, 0, rows); }},
      {"scatter_add", [rows](const Tensor& x, const Tensor& y) { return scatter_add(x, 0, rows, y); }},
      {"embedding", [rows](const Tensor& x, const Tensor&) { return embedding(x, rows); }},
      {"cumsum", [](const Tensor& x, const Tensor&) { return cumsum(x, 1); }},
      {"triu", [](const Tensor& x, const Tensor&) { return triu(x); }},
      {"conv2d",
       [](const Tensor& x, const Tensor& y) { return conv2d(reshape(x, {1, 1, 3, 4}), reshape(y, {3, 1, 2, 2})); }},
      {"max_pool2d", [](const Tensor& x, const Tensor&) { return max_pool2d(reshape(x, {1, 1, 3, 4}), 2); }},
      {"avg_pool2d", [](const Tensor& x, const Tensor&) { return avg_pool2d(reshape(x, {1, 1, 3, 4}), 2); }},
      {"adaptive_avg_pool2d",
       [](const Tensor& x, const Tensor&) { return adaptive_avg_pool2d(reshape(x, {1, 1, 3, 4}), 2, 2); }},
      {"batch_norm2d",
       [](const Tensor& x, const Tensor& y) {
         return batch_norm2d(reshape(x, {2, 3, 2, 1}), select(y, 1, 0), select(y, 1, 1), Tensor(), Tensor(),
                             /*training=*/true);
       }},
  };
}

// Runs the case with both inputs requiring grad; true when its Node died with its output.
void require_graph_freed(const LifetimeCase& c) {
  INFO("op: " << c.name);
  const Tensor x = random_input({3, 4}, 1, 0.5, 1.5);
  const Tensor y = random_input({3, 4}, 2);
  const std::int64_t live_before = memory_stats().current_bytes;
  std::weak_ptr<autograd::Node> node;
  {
    const Tensor out = c.op(x, y);
    REQUIRE(out.requires_grad());
    REQUIRE_FALSE(out.is_leaf());
    node = out.impl().autograd->grad_fn;
    REQUIRE_FALSE(node.expired());
  }
  CHECK(node.expired());  // a cycle through the output keeps the Node alive
  CHECK(memory_stats().current_bytes == live_before);
}

}  // namespace

TEST_CASE("an op that keeps its output for backward frees its graph with the output", "[autograd][lifetime]") {
  for (const LifetimeCase& c : output_saving_ops()) require_graph_freed(c);
}

TEST_CASE("every other differentiable op frees its graph with its output", "[autograd][lifetime]") {
  for (const LifetimeCase& c : other_ops()) require_graph_freed(c);
}

TEST_CASE("a graph kept alive by its output still back-propagates, then frees", "[autograd][lifetime]") {
  // The handle the Node keeps has no graph link of its own: backward through
  // an output-saving op must still reach the leaves, and the gradient must not
  // change (d softmax and d exp are exact here).
  Tensor x = from_vector({0.5, -1.0, 2.0}, {3}, DType::Float64).requires_grad_();
  std::weak_ptr<autograd::Node> node;
  {
    Tensor y = exp(x);
    node = y.impl().autograd->grad_fn;
    sum(y * from_vector({1.0, 2.0, 3.0}, {3}, DType::Float64)).backward();
    REQUIRE_FALSE(node.expired());  // y still refers to it
  }
  CHECK(node.expired());
  heed::test::require_close(x.grad(), {std::exp(0.5), 2 * std::exp(-1.0), 3 * std::exp(2.0)}, 1e-12);
}

TEST_CASE("a side branch that never reaches the loss is freed after backward", "[autograd][lifetime]") {
  // Attention weights kept for a picture: a softmax whose result feeds the
  // loss, and a second softmax whose result only the caller keeps.
  Tensor x = random_input({2, 5}, 7);
  std::weak_ptr<autograd::Node> kept_branch;
  const std::int64_t live_before = memory_stats().current_bytes;
  {
    Tensor picture = softmax(x * 2.0, -1);
    kept_branch = picture.impl().autograd->grad_fn;
    sum(softmax(x, -1) * x).backward();
    REQUIRE_FALSE(kept_branch.expired());
  }
  CHECK(kept_branch.expired());
  x.zero_grad();
  CHECK(memory_stats().current_bytes == live_before);
}

namespace {

// The process's resident set in bytes (Linux: the second field of /proc/self/statm, in pages).
std::int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * sysconf(_SC_PAGESIZE);
}

}  // namespace

TEST_CASE("4,000 forward-only softmax calls on a grad-requiring input keep the process's memory flat",
          "[autograd][lifetime]") {
  // Inference that forgot NoGradGuard: each call records a graph that no backward() walks.
  // Each output is 64 KiB, so a graph that outlived its output would add 250 MiB.
  Generator gen(3);
  Tensor x = randn({64, 256}, gen).requires_grad_();
  for (int call = 0; call < 50; ++call) softmax(x, -1);  // warm-up: the allocator's first blocks
  const std::int64_t live_before = memory_stats().current_bytes;
  const std::int64_t resident_before = resident_bytes();
  for (int call = 0; call < 4000; ++call) REQUIRE(softmax(x, -1).requires_grad());
  CHECK(memory_stats().current_bytes == live_before);
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer keeps freed blocks in quarantine (up to 256 MiB), so the resident
  // set says nothing here; the live-bytes check above is the one that holds.
  WARN("AddressSanitizer build: the resident-set check is not meaningful and is left to the plain build");
#else
  const double grown_mb = static_cast<double>(resident_bytes() - resident_before) / (1024.0 * 1024.0);
  INFO("resident set grew by " << grown_mb << " MB over 4,000 calls");
  CHECK(grown_mb < 4.0);
#endif
}
