// Tests for optim/: every optimizer lowers a quadratic; SGD, Adam, AdamW and
// RMSprop agree with torch.optim for 5 steps on the fixtures that
// tests/fixtures/make_optim_fixtures.py recorded (float64, to 1e-12); a state
// saved after 3 steps and loaded into a fresh optimizer continues bit for bit;
// load_state_dict refuses foreign states; schedules give hand-computed rates;
// clip_grad_norm measures and scales as PyTorch does.
#include <cmath>
#include <fstream>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "helpers.h"
#include "optim/adam.h"
#include "optim/clip.h"
#include "optim/rmsprop.h"
#include "optim/schedule.h"
#include "optim/sgd.h"

using namespace heed;
using namespace heed::optim;
using heed::test::require_close;
using heed::test::values;

namespace {

// The thrown heed::Error's message, or "" when nothing was thrown.
template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

// One configuration of each optimizer, with every optional part of its rule switched on.
std::vector<std::pair<std::string, MakeOptimizer>> optimizer_zoo() {
  return {
      {"sgd", [](std::vector<Tensor> p) {
         return std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true,
                                                               .weight_decay = 0.01});
       }},
      {"sgd-dampening", [](std::vector<Tensor> p) {
         return std::make_unique<SGD>(std::move(p), SGDOptions{.lr = 0.05, .momentum = 0.5, .dampening = 0.2});
       }},
      {"adam", [](std::vector<Tensor> p) {
         return std::make_unique<Adam>(std::move(p), AdamOptions{.lr = 0.05, .weight_decay = 0.01, .amsgrad = true});
       }},
      {"adamw", [](std::vector<Tensor> p) {
         return std::make_unique<AdamW>(std::move(p), AdamWOptions{.lr = 0.05});
       }},
      {"rmsprop", [](std::vector<Tensor> p) {
         return std::make_unique<RMSprop>(std::move(p), RMSpropOptions{.lr = 0.01, .weight_decay = 0.01,
                                                                       .momentum = 0.5, .centered = true});
       }},
  };
}

// ---- PyTorch fixtures.

Tensor decode(const nlohmann::json& t) {
  return from_vector(t.at("data").get<std::vector<double>>(), t.at("shape").get<Shape>());
}

nlohmann::json load_fixture(const std::string& name) {
  const std::string path = std::string(HEED_TEST_DATA_DIR) + "/optim/" + name + ".json";
  std::ifstream in(path);
  INFO("cannot read " << path << "; regenerate it with python3 tests/fixtures/make_optim_fixtures.py");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::unique_ptr<Optimizer> optimizer_from_fixture(const nlohmann::json& doc, std::vector<Tensor> params) {
  const auto& o = doc.at("options");
  const std::string kind = doc.at("optimizer");
  if (kind == "sgd")
    return std::make_unique<SGD>(std::move(params), SGDOptions{.lr = o.at("lr"),
                                                               .momentum = o.at("momentum"),
                                                               .dampening = o.at("dampening"),
                                                               .nesterov = o.at("nesterov"),
                                                               .weight_decay = o.at("weight_decay")});
  if (kind == "adam")
    return std::make_unique<Adam>(std::move(params), AdamOptions{.lr = o.at("lr"),
                                                                 .beta1 = o.at("beta1"),
                                                                 .beta2 = o.at("beta2"),
                                                                 .eps = o.at("eps"),
                                                                 .weight_decay = o.at("weight_decay"),
                                                                 .amsgrad = o.at("amsgrad")});
  if (kind == "adamw")
    return std::make_unique<AdamW>(std::move(params), AdamWOptions{.lr = o.at("lr"),
                                                                   .beta1 = o.at("beta1"),
                                                                   .beta2 = o.at("beta2"),
                                                                   .eps = o.at("eps"),
                                                                   .weight_decay = o.at("weight_decay"),
                                                                   .amsgrad = o.at("amsgrad")});
  REQUIRE(kind == "rmsprop");
  return std::make_unique<RMSprop>(std::move(params), RMSpropOptions{.lr = o.at("lr"),
                                                                     .alpha = o.at("alpha"),
                                                                     .eps = o.at("eps"),
                                                                     .weight_decay = o.at("weight_decay"),
                                                                     .momentum = o.at("momentum"),
                                                                     .centered = o.at("centered")});
}

void check_against_torch(const std::string& fixture) {
  const nlohmann::json doc = load_fixture(fixture);
  std::vector<Tensor> params;
  for (const auto& p : doc.at("params")) params.push_back(decode(p).requires_grad_());
  auto optimizer = optimizer_from_fixture(doc, params);
  const auto& grads = doc.at("grads");
  const auto& after = doc.at("after");
  REQUIRE(grads.size() == 5);
  for (std::size_t step = 0; step < grads.size(); ++step) {
    for (std::size_t i = 0; i < params.size(); ++i)
      params[i].set_grad(grads[step][i].is_null() ? Tensor() : decode(grads[step][i]));
    optimizer->step();
    for (std::size_t i = 0; i < params.size(); ++i) {
      INFO(fixture << ": parameter " << i << " after step " << step + 1);
      require_close(params[i], decode(after[step][i]), 1e-12);
    }
  }
}

// The gradient of step `step` for parameter i: fixed values, the same in every run.
Tensor fixed_grad(const Tensor& param, std::size_t i, int step) {
  Generator gen(1000 * static_cast<std::uint64_t>(step) + i);
  return randn(param.shape(), gen, param.dtype());
}

std::vector<Tensor> fresh_params(std::uint64_t seed) {
  Generator gen(seed);
  return {randn({3, 4}, gen, DType::Float64).requires_grad_(), randn({5}, gen, DType::Float32).requires_grad_()};
}

void run_steps(Optimizer& optimizer, std::vector<Tensor>& params, int first_step, int last_step) {
  for (int step = first_step; step <= last_step; ++step) {
    for (std::size_t i = 0; i < params.size(); ++i) params[i].set_grad(fixed_grad(params[i], i, step));
    optimizer.step();
  }
}

}  // namespace

TEST_CASE("every optimizer lowers a quadratic", "[optim]") {
  for (const auto& [name, make] : optimizer_zoo()) {
    INFO(name);
    Generator gen(7);
    Tensor x = randn({4, 3}, gen, DType::Float64).requires_grad_();
    const Tensor target = randn({4, 3}, gen, DType::Float64);
    const Tensor curvature = uniform({4, 3}, 0.5, 2.0, gen, DType::Float64);  // an ill-conditioned bowl
    auto loss_of = [&] { return (square(x - target) * curvature).sum(); };
    auto optimizer = make({x});
    const double initial = loss_of().item();
    for (int step = 0; step < 200; ++step) {
      optimizer->zero_grad();
      loss_of().backward();
      optimizer->step();
    }
    const double final_loss = loss_of().item();
    INFO("loss " << initial << " -> " << final_loss);
    CHECK(final_loss < 0.05 * initial);
  }
}

TEST_CASE("SGD with Nesterov momentum and weight decay matches torch.optim.SGD", "[optim]") {
  check_against_torch("sgd_nesterov");
}

TEST_CASE("SGD with dampened momentum matches torch.optim.SGD", "[optim]") { check_against_torch("sgd_dampening"); }

TEST_CASE("Adam with weight decay matches torch.optim.Adam, a gradient-less step included", "[optim]") {
  check_against_torch("adam");
}

TEST_CASE("Adam with AMSGrad matches torch.optim.Adam", "[optim]") { check_against_torch("adam_amsgrad"); }

TEST_CASE("AdamW matches torch.optim.AdamW", "[optim]") { check_against_torch("adamw"); }

TEST_CASE("centered RMSprop with momentum and weight decay matches torch.optim.RMSprop", "[optim]") {
  check_against_torch("rmsprop_centered");
}

TEST_CASE("a parameter without a gradient is left alone", "[optim]") {
  for (const auto& [name, make] : optimizer_zoo()) {
    INFO(name);
    std::vector<Tensor> params = fresh_params(3);
    const std::vector<double> before = values(params[1]);
    auto optimizer = make(params);
    params[0].set_grad(fixed_grad(params[0], 0, 1));
    optimizer->step();
    CHECK(values(params[1]) == before);
    CHECK(optimizer->update_count(0) == 1);
    CHECK(optimizer->update_count(1) == 0);
  }
}

TEST_CASE("a saved state continues bit for bit in a fresh optimizer", "[optim]") {
  for (const auto& [name, make] : optimizer_zoo()) {
    INFO(name);
    // The uninterrupted run: 3 steps, save, 2 more.
    std::vector<Tensor> params = fresh_params(11);
    auto optimizer = make(params);
    run_steps(*optimizer, params, 1, 3);
    const NamedTensors saved = optimizer->state_dict();
    std::vector<Tensor> saved_params;
    for (const Tensor& p : params) saved_params.push_back(ops::clone(p).requires_grad_());
    run_steps(*optimizer, params, 4, 5);

    // The resumed run: fresh tensors and optimizer, a different lr that the state overrides.
    std::vector<Tensor> resumed = saved_params;
    auto fresh = make(resumed);
    fresh->set_lr(123.0);
    fresh->load_state_dict(saved);
    CHECK(fresh->lr() == optimizer->lr());
    CHECK(fresh->update_count(0) == 3);
    run_steps(*fresh, resumed, 4, 5);
    for (std::size_t i = 0; i < params.size(); ++i) CHECK(values(resumed[i]) == values(params[i]));
  }
}

TEST_CASE("state_dict names every entry and is a snapshot", "[optim]") {
  std::vector<Tensor> params = fresh_params(5);
  Adam adam(params, {.lr = 0.01, .amsgrad = true});
  run_steps(adam, params, 1, 1);
  const NamedTensors state = adam.state_dict();
  std::vector<std::string> names;
  for (const auto& [name, _] : state) names.push_back(name);
  CHECK(names == std::vector<std::string>{"adam.lr", "adam.beta1", "adam.beta2", "adam.eps", "adam.weight_decay",
                                          "adam.amsgrad", "adam.step", "adam.exp_avg.0", "adam.exp_avg.1",
                                          "adam.exp_avg_sq.0", "adam.exp_avg_sq.1", "adam.max_exp_avg_sq.0",
                                          "adam.max_exp_avg_sq.1"});
  CHECK(state[0].second.dtype() == DType::Float64);
  CHECK(state[0].second.dim() == 0);
  CHECK(state[0].second.item() == 0.01);
  CHECK(state[6].second.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1});
  CHECK(state[8].second.dtype() == DType::Float32);  // the state has its parameter's dtype
  const std::vector<double> exp_avg = values(state[7].second);
  run_steps(adam, params, 2, 2);
  CHECK(values(state[7].second) == exp_avg);
}

TEST_CASE("load_state_dict refuses a foreign state and then changes nothing", "[optim]") {
  std::vector<Tensor> params = fresh_params(5);
  SGD sgd(params, {.lr = 0.1, .momentum = 0.9});
  run_steps(sgd, params, 1, 2);
  const NamedTensors good = sgd.state_dict();

  auto without = [&](const std::string& key) {
    NamedTensors s;
    for (const auto& entry : good)
      if (entry.first != key) s.push_back(entry);
    return s;
  };
  CHECK_THAT(error_message([&] { sgd.load_state_dict(without("sgd.momentum_buffer.1")); }),
             Catch::Contains("missing key 'sgd.momentum_buffer.1'"));

  NamedTensors extra = good;
  extra.emplace_back("sgd.momentum_buffer.2", zeros({5}));
  CHECK_THAT(error_message([&] { sgd.load_state_dict(extra); }),
             Catch::Contains("unexpected key 'sgd.momentum_buffer.2'"));

  NamedTensors reshaped = good;
  for (auto& [name, t] : reshaped)
    if (name == "sgd.momentum_buffer.0") t = zeros({4, 3}, DType::Float64);
  CHECK_THAT(error_message([&] { sgd.load_state_dict(reshaped); }),
             Catch::Contains("'sgd.momentum_buffer.0' is (4,3) float64 in the state but (3,4) float64 here"));

  // An Adam state is not an SGD state.
  Adam adam(fresh_params(6), {});
  CHECK_THAT(error_message([&] { sgd.load_state_dict(adam.state_dict()); }), Catch::Contains("missing key 'sgd.lr'"));

  // Values out of range are refused after the keys check out, and the old values stay.
  NamedTensors bad_momentum = good;
  for (auto& [name, t] : bad_momentum) {
    if (name == "sgd.momentum") t = scalar_tensor(-1.0, DType::Float64);
    if (name == "sgd.lr") t = scalar_tensor(7.0, DType::Float64);
  }
  CHECK_THAT(error_message([&] { sgd.load_state_dict(bad_momentum); }), Catch::Contains("momentum -1 is negative"));
  CHECK(sgd.lr() == 0.1);
  CHECK(sgd.update_count(0) == 2);

  // Momentum on in the state but off here: the buffers have nowhere to go.
  SGD plain(fresh_params(5), {.lr = 0.1});
  CHECK_THAT(error_message([&] { plain.load_state_dict(good); }),
             Catch::Contains("unexpected key 'sgd.momentum_buffer.0'"));
}

TEST_CASE("optimizers refuse bad construction arguments", "[optim]") {
  CHECK_THAT(error_message([] { SGD({}, {}); }), Catch::Contains("empty parameter list"));
  CHECK_THAT(error_message([] { SGD({zeros({2}, DType::Int64)}, {}); }), Catch::Contains("only float32 and float64"));
  CHECK_THAT(error_message([] { SGD({zeros({2})}, {.lr = -1}); }), Catch::Contains("learning rate -1 is negative"));
  CHECK_THAT(error_message([] { SGD({zeros({2})}, {.nesterov = true}); }), Catch::Contains("nesterov"));
  CHECK_THAT(error_message([] { Adam({zeros({2})}, {.beta2 = 1.0}); }), Catch::Contains("0 <= beta2 < 1"));
  CHECK_THAT(error_message([] { RMSprop({zeros({2})}, {.alpha = -0.5}); }), Catch::Contains("alpha -0.5"));
}

TEST_CASE("schedules give the hand-computed rates", "[optim]") {
  const double pi = std::numbers::pi;
  SECTION("constant") {
    ConstantSchedule s(0.1);
    CHECK(s.lr_at(0) == 0.1);
    CHECK(s.lr_at(100000) == 0.1);
  }
  SECTION("step decay") {
    StepDecaySchedule s(1.0, 10, 0.5);
    CHECK(s.lr_at(0) == 1.0);
    CHECK(s.lr_at(9) == 1.0);
    CHECK(s.lr_at(10) == 0.5);
    CHECK(s.lr_at(25) == 0.25);
  }
  SECTION("cosine") {
    CosineSchedule s(1.0, 100, 0.1);
    CHECK(s.lr_at(0) == Approx(1.0));
    CHECK(s.lr_at(25) == Approx(0.1 + 0.9 * (1 + std::cos(pi / 4)) / 2));  // 0.86820
    CHECK(s.lr_at(50) == Approx(0.55));
    CHECK(s.lr_at(100) == Approx(0.1));
    CHECK(s.lr_at(150) == Approx(0.1));
  }
  SECTION("warmup then constant") {
    WarmupSchedule s(1.0, 4, WarmupSchedule::Decay::Constant);
    CHECK(s.lr_at(0) == 0.25);
    CHECK(s.lr_at(1) == 0.5);
    CHECK(s.lr_at(3) == 1.0);
    CHECK(s.lr_at(1000) == 1.0);
  }
  SECTION("warmup then linear decay") {
    WarmupSchedule s(1.0, 10, WarmupSchedule::Decay::Linear, 110, 0.0);
    CHECK(s.lr_at(0) == Approx(0.1));
    CHECK(s.lr_at(9) == Approx(1.0));
    CHECK(s.lr_at(10) == Approx(1.0));
    CHECK(s.lr_at(60) == Approx(0.5));
    CHECK(s.lr_at(85) == Approx(0.25));
    CHECK(s.lr_at(110) == Approx(0.0));
    CHECK(s.lr_at(500) == Approx(0.0));
  }
  SECTION("warmup then cosine decay") {
    WarmupSchedule s(2.0, 10, WarmupSchedule::Decay::Cosine, 110, 0.2);
    CHECK(s.lr_at(4) == Approx(1.0));
    CHECK(s.lr_at(10) == Approx(2.0));
    CHECK(s.lr_at(60) == Approx(1.1));
    CHECK(s.lr_at(110) == Approx(0.2));
  }
  SECTION("noam") {
    NoamSchedule s(512, 4000, 2.0);
    // n = step + 1; below the warmup the rate is factor * n / sqrt(d_model * warmup^3).
    CHECK(s.lr_at(0) == Approx(2.0 / std::sqrt(512.0 * 4000.0 * 4000.0 * 4000.0)));  // 1.747e-7
    CHECK(s.lr_at(1999) == Approx(2.0 * 2000 / std::sqrt(512.0 * 4000.0 * 4000.0 * 4000.0)));
    // The peak at n = warmup: factor / sqrt(d_model * warmup) = 1.3975e-3.
    CHECK(s.lr_at(3999) == Approx(2.0 / std::sqrt(512.0 * 4000.0)));
    CHECK(s.lr_at(3999) > s.lr_at(3998));
    CHECK(s.lr_at(3999) > s.lr_at(4000));
    CHECK(s.lr_at(15999) == Approx(2.0 / std::sqrt(512.0 * 16000.0)));  // halved at 4x the warmup
  }
  SECTION("negative steps are refused") {
    CHECK_THAT(error_message([] { ConstantSchedule(1).lr_at(-1); }), Catch::Contains("must be >= 0"));
  }
}

TEST_CASE("make_schedule builds by name and lists the names it knows", "[optim]") {
  ScheduleOptions options{.lr = 1.0, .warmup_steps = 10, .total_steps = 110};
  CHECK(make_schedule("warmup-linear", options)->lr_at(60) == Approx(0.5));
  CHECK(make_schedule("cosine", options)->lr_at(55) == Approx(0.5));
  CHECK(make_schedule("constant", options)->lr_at(7) == 1.0);
  for (const std::string& name : schedule_names()) CHECK(make_schedule(name, options) != nullptr);
  const std::string message = error_message([&] { make_schedule("cosyne", options); });
  CHECK_THAT(message, Catch::Contains("unknown schedule 'cosyne'"));
  CHECK_THAT(message, Catch::Contains("constant, step, cosine, warmup-constant, warmup-cosine, warmup-linear, noam"));
  CHECK_THAT(error_message([] { make_schedule("cosine", {.total_steps = 0}); }), Catch::Contains("total_steps"));
}

TEST_CASE("clip_grad_norm returns the global norm and scales like PyTorch", "[optim]") {
  Tensor a = zeros({2}, DType::Float64).requires_grad_();
  Tensor b = zeros({1}, DType::Float64).requires_grad_();
  Tensor no_grad = zeros({3}, DType::Float64).requires_grad_();
  auto set = [&] {
    a.set_grad(from_vector({3.0, 4.0}, {2}, DType::Float64));
    b.set_grad(from_vector({12.0}, {1}, DType::Float64));
  };

  SECTION("above max_norm: every gradient scaled by max_norm / (norm + 1e-6)") {
    set();
    CHECK(clip_grad_norm({a, b, no_grad}, 6.5) == 13.0);  // sqrt(9 + 16 + 144)
    const double scale = 6.5 / (13.0 + 1e-6);
    require_close(a.grad(), {3 * scale, 4 * scale}, 1e-15);
    require_close(b.grad(), {12 * scale}, 1e-15);
    CHECK(!no_grad.grad().defined());
  }
  SECTION("below max_norm: untouched") {
    set();
    CHECK(clip_grad_norm({a, b}, 100) == 13.0);
    CHECK(values(a.grad()) == std::vector<double>{3, 4});
  }
  SECTION("a gradient tensor shared by two parameters is scaled once") {
    const Tensor shared = from_vector({3.0, 4.0}, {2}, DType::Float64);
    Tensor c = zeros({2}, DType::Float64).requires_grad_();
    a.set_grad(shared);
    c.set_grad(shared);
    CHECK(clip_grad_norm({a, c}, 1.0) == Approx(std::sqrt(50.0)));
    const double scale = 1.0 / (std::sqrt(50.0) + 1e-6);
    require_close(a.grad(), {3 * scale, 4 * scale}, 1e-15);
    require_close(c.grad(), {3 * scale, 4 * scale}, 1e-15);
  }
  SECTION("a non-finite norm is returned, not thrown, and the gradients stay") {
    set();
    b.set_grad(from_vector({std::nan("")}, {1}, DType::Float64));
    CHECK(std::isnan(clip_grad_norm({a, b}, 1.0)));
    CHECK(values(a.grad()) == std::vector<double>{3, 4});
    b.set_grad(from_vector({INFINITY}, {1}, DType::Float64));
    CHECK(std::isinf(clip_grad_norm({a, b}, 1.0)));
    CHECK(values(a.grad()) == std::vector<double>{3, 4});
  }
  SECTION("max_norm must be positive") {
    CHECK_THAT(error_message([&] { clip_grad_norm({a}, 0); }), Catch::Contains("max_norm 0 must be > 0"));
  }
}
