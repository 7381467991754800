// A float64 gradient check for every differentiable reduction, softmax,
// matmul and indexing op.
#include "helpers.h"

using namespace heed;
using heed::test::random_input;
using Inputs = std::vector<Tensor>;

TEST_CASE("gradcheck: reductions", "[gradcheck][reduce]") {
  Tensor x = random_input({2, 3, 4}, 31);
  REQUIRE_GRADCHECK([](const Inputs& in) { return sum(in[0]); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return sum(in[0], {1}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return sum(in[0], {0, -1}, true); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return mean(in[0], {2}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return mean(in[0]); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return var(in[0], {1}); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return var(in[0], {0, 2}, 0, true); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return amax(in[0], 1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return amin(in[0], -1, true); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return logsumexp(in[0], 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return in[0].transpose(0, 2).sum({0}); }, {x});
}

TEST_CASE("gradcheck: softmax and log_softmax", "[gradcheck][softmax]") {
  Tensor x = random_input({3, 5}, 32, -2.0, 2.0);
  REQUIRE_GRADCHECK([](const Inputs& in) { return softmax(in[0], -1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return softmax(in[0], 0); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return log_softmax(in[0], 1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return log_softmax(in[0].transpose(0, 1), 1); }, {x});
}

TEST_CASE("gradcheck: matmul in every rank combination", "[gradcheck][matmul]") {
  Tensor v = random_input({4}, 41);
  Tensor w = random_input({4}, 42);
  Tensor m = random_input({3, 4}, 43);
  Tensor n = random_input({4, 2}, 44);
  Tensor batch = random_input({2, 3, 4}, 45);
  Tensor bcast = random_input({2, 1, 4, 2}, 46);
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {v, w});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {m, v});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {v, n});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {m, n});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {batch, n});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1]); }, {batch, bcast});
  // A shared 2-D right operand takes its gradient as one product over the folded rows, also
  // from a left operand whose batch dims do not fold (transposed) or are many.
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0].transpose(0, 1), in[1]); },
                    {random_input({3, 2, 4}, 49), n});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0], in[1].transpose(0, 1)); },
                    {random_input({2, 2, 3, 4}, 50), random_input({2, 4}, 40)});
  REQUIRE_GRADCHECK([](const Inputs& in) { return matmul(in[0].transpose(0, 1), in[1].transpose(0, 1)); },
                    {random_input({4, 3}, 47), random_input({2, 4}, 48)});
}

TEST_CASE("gradcheck: joining and splitting", "[gradcheck][join]") {
  Tensor a = random_input({2, 3}, 51);
  Tensor b = random_input({2, 2}, 52);
  Tensor c = random_input({2, 3}, 53);
  REQUIRE_GRADCHECK([](const Inputs& in) { return concat({in[0], in[1], in[2]}, 1); }, {a, b, c});
  REQUIRE_GRADCHECK([](const Inputs& in) { return stack({in[0], in[1]}, 0); }, {a, c});
  REQUIRE_GRADCHECK([](const Inputs& in) { return stack({in[0], in[1]}, -1); }, {a, c});
  REQUIRE_GRADCHECK([](const Inputs& in) { auto p = split(in[0], 2, 1); return p[0] * 2.0 + sum(p[1]); }, {a});
  REQUIRE_GRADCHECK([](const Inputs& in) { auto p = chunk(in[0], 2, 0); return p[1] - p[0]; }, {a});
}

TEST_CASE("gradcheck: indexing", "[gradcheck][index]") {
  Tensor x = random_input({4, 3}, 61);
  Tensor idx = from_vector(std::vector<std::int64_t>{2, 0, 2, 3}, {4});
  REQUIRE_GRADCHECK([idx](const Inputs& in) { return index_select(in[0], 0, idx); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) {
    return index_select(in[0], 1, from_vector(std::vector<std::int32_t>{1, 1, 0}, {3}));
  }, {x});
  Tensor gidx = from_vector(std::vector<std::int64_t>{0, 2, 1, 1, 0, 0, 2, 2}, {4, 2});
  REQUIRE_GRADCHECK([gidx](const Inputs& in) { return gather(in[0], 1, gidx); }, {x});
  Tensor src = random_input({4, 2}, 62);
  REQUIRE_GRADCHECK([gidx](const Inputs& in) { return scatter_add(in[0], 1, gidx, in[1]); }, {x, src});
  Tensor rows = random_input({4, 3}, 63);
  REQUIRE_GRADCHECK([idx](const Inputs& in) { return index_add(in[0], 0, idx, in[1]); }, {x, rows});
  Tensor ids = from_vector(std::vector<std::int64_t>{1, 3, 1, 0, 3, 3}, {2, 3});
  REQUIRE_GRADCHECK([ids](const Inputs& in) { return embedding(in[0], ids); }, {x});
}

TEST_CASE("gradcheck: cumsum, triu, tril", "[gradcheck][index]") {
  Tensor x = random_input({2, 3, 4}, 71);
  REQUIRE_GRADCHECK([](const Inputs& in) { return cumsum(in[0], 2); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return cumsum(in[0], 0); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return triu(in[0], 1); }, {x});
  REQUIRE_GRADCHECK([](const Inputs& in) { return tril(in[0], -1); }, {x});
}
