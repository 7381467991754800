// Hard attention (CATALOG.md S9): one-hot weights, samples that follow the
// softmax, the REINFORCE term and its baseline, and the Gumbel-softmax paths.
//
// What a gradient check can test here: the one-hot forward is piecewise
// constant in the scores, so its own derivative with respect to the scorer
// is zero almost everywhere and says nothing. The well-defined, checkable
// pieces are (1) the REINFORCE term as a function of q, K and W once the
// samples are fixed (the noise generator is reseeded inside the checked
// function, so every evaluation draws the same keys), (2) the soft
// Gumbel-softmax sample with fixed noise, and (3) that straight-through
// passes exactly the soft sample's gradient to q, K and W.
#include <cmath>
#include <string>
#include <vector>

#include "helpers.h"
#include "layers/attention/hard.h"

using namespace heed;
using heed::test::random_input;
using heed::test::require_close;
using Inputs = std::vector<Tensor>;

namespace {

constexpr DType f64 = DType::Float64;

SequenceAttentionConfig hard_config(const std::string& estimator, bool straight_through = true, double decay = 0.9) {
  return {.query_dim = 3, .key_dim = 4, .dtype = f64, .hard_estimator = estimator, .gumbel_temperature = 0.7,
          .gumbel_straight_through = straight_through, .baseline_decay = decay};
}

// softmax over the real keys of each row of scores (B, Tk), written out.
std::vector<double> masked_softmax(const std::vector<double>& s, const std::vector<double>& mask, std::int64_t tk) {
  std::vector<double> a(s.size(), 0.0);
  for (std::size_t b = 0; b < s.size() / tk; ++b) {
    double top = -1e300, total = 0;
    for (std::int64_t j = 0; j < tk; ++j)
      if (mask[b * tk + j] != 0) top = std::max(top, s[b * tk + j]);
    for (std::int64_t j = 0; j < tk; ++j)
      if (mask[b * tk + j] != 0) total += std::exp(s[b * tk + j] - top);
    for (std::int64_t j = 0; j < tk; ++j)
      if (mask[b * tk + j] != 0) a[b * tk + j] = std::exp(s[b * tk + j] - top) / total;
  }
  return a;
}

}  // namespace

TEST_CASE("hard attention: one-hot weights on real keys, argmax at evaluation", "[seqattn]") {
  const Tensor query = random_input({3, 3}, 1, -2, 2), keys = random_input({3, 5, 4}, 2);
  const Tensor mask = from_vector({1, 1, 0, 1, 1,  1, 1, 1, 1, 1,  0, 0, 0, 0, 0}, {3, 5}, f64);
  const std::vector<double> m = heed::test::values(mask);
  for (const std::string estimator : {"reinforce", "gumbel"})
    for (const bool training : {true, false}) {
      INFO(estimator << (training ? ", training" : ", evaluation"));
      Generator gen(3);
      HardAttention attention(hard_config(estimator), gen);
      attention.train(training);
      const AttentionResult r = attention.attend(query, keys, keys, mask);
      const std::vector<double> w = heed::test::values(r.weights);
      const std::vector<double> s = heed::test::values(attention.score->scores(query, keys));
      for (std::int64_t b = 0; b < 3; ++b) {
        int ones = 0, best = -1;
        for (std::int64_t j = 0; j < 5; ++j) {
          REQUIRE((w[b * 5 + j] == 0.0 || w[b * 5 + j] == 1.0));
          if (w[b * 5 + j] == 1.0) REQUIRE(m[b * 5 + j] == 1.0);
          ones += w[b * 5 + j] == 1.0;
          if (m[b * 5 + j] != 0 && (best < 0 || s[b * 5 + j] > s[b * 5 + best])) best = static_cast<int>(j);
        }
        CHECK(ones == (b < 2 ? 1 : 0));  // the fully masked row reads nothing
        if (!training && best >= 0) CHECK(w[b * 5 + best] == 1.0);
      }
      require_close(r.context, heed::test::values(sum(unsqueeze(r.weights, -1) * keys, {1})), 0);  // c = k_j
    }
}

TEST_CASE("hard attention: training samples follow the softmax of the scores", "[seqattn]") {
  const std::int64_t draws = 4000;
  const Tensor one_query = random_input({1, 3}, 4, -2, 2), one_keys = random_input({1, 4, 4}, 5, -2, 2);
  const Tensor query = contiguous(expand(one_query, {draws, 3})).detach();
  const Tensor keys = contiguous(expand(one_keys, {draws, 4, 4})).detach();
  const Tensor mask = contiguous(expand(from_vector({1, 0, 1, 1}, {1, 4}, f64), {draws, 4}));
  for (const std::string estimator : {"reinforce", "gumbel"}) {
    INFO(estimator);
    Generator gen(6);
    HardAttention attention(hard_config(estimator), gen);
    const std::vector<double> a = masked_softmax(
        heed::test::values(attention.score->scores(one_query, one_keys)), {1, 0, 1, 1}, 4);
    const std::vector<double> counts = heed::test::values(sum(attention.attend(query, keys, keys, mask).weights, {0}));
    for (std::int64_t j = 0; j < 4; ++j) {
      INFO("key " << j << ": drawn " << counts[j] << " times, probability " << a[j]);
      CHECK(std::abs(counts[j] / draws - a[j]) < 0.03);  // about 4 standard deviations
    }
  }
}

TEST_CASE("hard attention, REINFORCE: the auxiliary loss, its gradient and the moving baseline", "[seqattn]") {
  Generator gen(7);
  HardAttention attention(hard_config("reinforce", true, 0.5), gen);
  CHECK(attention.has_auxiliary_loss());
  const Tensor keys = random_input({3, 5, 4}, 8);
  const Tensor mask = from_vector({1, 1, 1, 0, 0,  1, 1, 1, 1, 1,  0, 0, 0, 0, 0}, {3, 5}, f64);
  const std::vector<Tensor> queries{random_input({3, 3}, 9, -2, 2), random_input({3, 3}, 10, -2, 2)};
  attention.prepare(keys);
  std::vector<double> sum_log_prob(3, 0.0);  // sum_t log a_b,t(j_t), by hand
  for (const Tensor& query : queries) {
    const std::vector<double> a = masked_softmax(heed::test::values(attention.score->scores(query, keys)),
                                                 heed::test::values(mask), 5);
    const std::vector<double> w = heed::test::values(attention.attend(query, keys, keys, mask).weights);
    for (std::size_t i = 0; i < w.size(); ++i)
      if (w[i] == 1.0) sum_log_prob[i / 5] += std::log(a[i]);
  }
  attention.release_prepared();
  const std::vector<double> costs{1.0, 2.0, 6.0};
  const Tensor aux = attention.auxiliary_loss(from_vector(costs, {3}));
  const double baseline = 3.0;  // the first batch's mean
  double expected = 0;
  for (int b = 0; b < 3; ++b) expected += (costs[b] - baseline) * sum_log_prob[b] / 3;
  CHECK(std::abs(aux.item() - expected) < 1e-12);
  CHECK(attention.baseline() == baseline);

  aux.backward();  // the REINFORCE gradient reaches the scorer and the query
  double largest = 0;
  for (double g : heed::test::values(attention.score->key_proj->weight.grad())) {
    REQUIRE(std::isfinite(g));
    largest = std::max(largest, std::abs(g));
  }
  CHECK(largest > 1e-6);
  CHECK(queries[0].grad().defined());

  // A second batch moves the baseline: b <- 0.5 b + 0.5 mean(L).
  attention.attend(queries[0], keys, keys, mask);
  attention.auxiliary_loss(from_vector(std::vector<double>{5.0, 5.0, 5.0}, {3}));
  CHECK(std::abs(attention.baseline() - (0.5 * 3.0 + 0.5 * 5.0)) < 1e-15);
  CHECK_THROWS_WITH(attention.auxiliary_loss(from_vector(costs, {3})), Catch::Contains("no recorded choices"));
  attention.attend(queries[0], keys, keys, mask);
  CHECK_THROWS_WITH(attention.auxiliary_loss(from_vector({1.0, 2.0}, {2}, f64)), Catch::Contains("(3)"));
}

TEST_CASE("gradcheck: hard attention's REINFORCE term with the samples held fixed", "[seqattn][gradcheck]") {
  Generator gen(11);
  HardAttention attention(hard_config("reinforce", true, 1.0), gen);  // decay 1: the baseline stays put
  const Tensor query = random_input({3, 3}, 12, -2, 2), keys = random_input({3, 5, 4}, 13);
  const Tensor mask = from_vector({1, 1, 1, 0, 1,  1, 1, 1, 1, 1,  0, 0, 0, 0, 0}, {3, 5}, f64);
  const Tensor costs = from_vector({1.0, 4.0, 2.5}, {3}, f64);
  REQUIRE_GRADCHECK([&](const Inputs& in) {
    gen.seed_(99);  // the same noise, so the same keys, at every evaluation
    attention.prepare(in[1]);
    attention.attend(in[0], in[1], in[1], mask);
    attention.attend(tanh(in[0] * 2.0), in[1], in[1], mask);  // a second decoder step
    attention.release_prepared();
    return attention.auxiliary_loss(costs);
  }, {query, keys, attention.score->key_proj->weight});
}

TEST_CASE("gradcheck: the Gumbel-softmax sample, and straight-through passes its gradient", "[seqattn][gradcheck]") {
  const Tensor query = random_input({2, 3}, 14, -2, 2), keys = random_input({2, 5, 4}, 15);
  const Tensor values = random_input({2, 5, 2}, 16);
  const Tensor mask = from_vector({1, 1, 1, 0, 1,  1, 1, 1, 1, 1}, {2, 5}, f64);
  Generator soft_gen(17), hard_gen(17);  // the same seed: the same W in both layers
  HardAttention soft(hard_config("gumbel", false), soft_gen), straight(hard_config("gumbel", true), hard_gen);
  CHECK_FALSE(soft.has_auxiliary_loss());
  REQUIRE_GRADCHECK([&](const Inputs& in) {
    soft_gen.seed_(18);
    const AttentionResult r = soft.attend(in[0], in[1], in[2], mask);
    return concat({r.context, r.weights}, 1);
  }, {query, keys, values, soft.score->key_proj->weight});

  // Same noise in both: the straight-through forward is the one-hot of the soft sample's argmax...
  soft_gen.seed_(18);
  hard_gen.seed_(18);
  const AttentionResult relaxed = soft.attend(query, keys, values, mask);
  const AttentionResult hard = straight.attend(query, keys, values, mask);
  const Tensor chosen = argmax(relaxed.weights, -1);
  require_close(hard.weights, ops::mul(one_hot(chosen, 5, f64), mask), 0);
  // ...and its backward is the soft sample's, for everything upstream of the weights.
  const Tensor projection = random_input({2, 2}, 19).detach();
  auto gradients = [&](HardAttention& layer, const AttentionResult& r) {
    Tensor(query).zero_grad();
    Tensor(keys).zero_grad();
    sum(r.context * projection).backward();
    return std::vector<Tensor>{clone(query.grad()), clone(keys.grad()), clone(layer.score->key_proj->weight.grad())};
  };
  const std::vector<Tensor> from_soft = gradients(soft, relaxed), from_straight = gradients(straight, hard);
  for (std::size_t i = 0; i < 3; ++i) require_close(from_straight[i], from_soft[i], 1e-12);
}

TEST_CASE("hard attention checks its configuration", "[seqattn]") {
  Generator gen(20);
  CHECK_THROWS_WITH(HardAttention(hard_config("score-function"), gen),
                    Catch::Contains("reinforce") && Catch::Contains("gumbel"));
  SequenceAttentionConfig cold = hard_config("gumbel");
  cold.gumbel_temperature = 0;
  CHECK_THROWS_WITH(HardAttention(cold, gen), Catch::Contains("temperature"));
}
