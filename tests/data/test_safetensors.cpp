// Tests for data/safetensors.cpp and data/checkpoint.cpp: round trips of every
// dtype, 0-d and empty tensors; the reference file that the Python
// `safetensors` package wrote (tests/fixtures/make_optim_fixtures.py) loads
// with the values it describes, and heed writes the same bytes for the same
// tensors; every kind of damaged file is refused naming the file and the
// fault; a failed write leaves the previous checkpoint intact; a checkpoint
// brings back model, optimizer, counters and generator, so training resumes
// bit for bit.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/checkpoint.h"
#include "data/safetensors.h"
#include "data/temp_dir.h"
#include "helpers.h"
#include "optim/adam.h"

using namespace heed;
using heed::io::Metadata;
using heed::io::NamedTensors;
using heed::test::TempDir;
using heed::test::values;

namespace {

template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Same name, dtype, shape and bits (compared through the element type, so -0.0 and NaN payloads count).
void require_identical(const NamedTensors& got, const NamedTensors& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("tensor " << expected[i].first);
    REQUIRE(got[i].first == expected[i].first);
    const Tensor& a = got[i].second;
    const Tensor b = ops::contiguous(expected[i].second);
    REQUIRE(a.dtype() == b.dtype());
    REQUIRE(a.shape() == b.shape());
    const auto nbytes = static_cast<std::size_t>(a.numel()) * dtype_size(a.dtype());
    // An empty tensor may have no allocation at all, and memcmp must not see a null pointer.
    if (nbytes > 0) CHECK(std::memcmp(a.raw_data(), b.raw_data(), nbytes) == 0);
  }
}

// A file of the format built by hand: 8-byte length, the header as given, the data bytes.
std::string craft(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  return bytes + header + data;
}

NamedTensors one_of_each() {
  return {{"weights", from_vector({1.5, -2.0, 0.25, 3.0, -0.0, 7.0}, {2, 3}, DType::Float32)},
          {"precise", from_vector({1.0 / 3.0, -1e-300, 2.5e300}, {3}, DType::Float64)},
          {"ids", from_vector(std::vector<std::int32_t>{7, -8, 2147483647, -2147483647 - 1}, {2, 2})},
          {"counts", from_vector(std::vector<std::int64_t>{1, -2, (std::int64_t{1} << 62) + 5}, {3})},
          {"scale", scalar_tensor(0.125, DType::Float64)},                // 0-d
          {"nothing", zeros({2, 0}, DType::Float32)}};                     // no elements
}

}  // namespace

TEST_CASE("safetensors round trip of every dtype, a 0-d and an empty tensor", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const NamedTensors tensors = one_of_each();
  const Metadata metadata{{"run", "unit test"}, {"config", "{\"d_model\": 64}"}, {"unicode", "attention \u00e9"}};
  io::save_safetensors(path, tensors, metadata);
  CHECK(!std::filesystem::exists(path + ".tmp"));

  const io::SafetensorsContents loaded = io::load_safetensors(path);
  CHECK(loaded.metadata == metadata);
  // The file's order is the reference writer's: dtype (I64, F64, F32, I32), then name.
  const NamedTensors expected = {tensors[3], tensors[1], tensors[4], tensors[5], tensors[0], tensors[2]};
  require_identical(loaded.tensors, expected);
  CHECK(loaded.tensors[2].second.dim() == 0);
}

TEST_CASE("safetensors saves strided views as their row-major values", "[checkpoint]") {
  TempDir dir;
  const Tensor base = from_vector({1, 2, 3, 4, 5, 6}, {2, 3}, DType::Float64);
  const Tensor transposed = ops::transpose(base, 0, 1);  // (3, 2), not contiguous
  io::save_safetensors(dir.file("t.safetensors"), {{"t", transposed}});
  const auto loaded = io::load_safetensors(dir.file("t.safetensors"));
  CHECK(loaded.tensors[0].second.shape() == Shape{3, 2});
  CHECK(values(loaded.tensors[0].second) == std::vector<double>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("safetensors reads and writes the reference implementation's bytes", "[checkpoint]") {
  const std::string fixtures = std::string(HEED_TEST_DATA_DIR) + "/safetensors/";
  std::ifstream description_file(fixtures + "reference.json");
  INFO("regenerate the fixtures with python3 tests/fixtures/make_optim_fixtures.py");
  REQUIRE(description_file.good());
  const nlohmann::json description = nlohmann::json::parse(description_file);

  // The tensors the Python package was given, in the order it was given them.
  NamedTensors described;
  for (const auto& t : description.at("tensors")) {
    const Shape shape = t.at("shape").get<Shape>();
    const std::string dtype = t.at("dtype");
    Tensor tensor;
    if (dtype == "I64") {
      tensor = from_vector(t.at("data").get<std::vector<std::int64_t>>(), shape);
    } else if (dtype == "I32") {
      tensor = from_vector(t.at("data").get<std::vector<std::int32_t>>(), shape);
    } else {
      std::vector<double> data;
      for (const auto& v : t.at("data"))
        data.push_back(v.is_string() ? (v == "inf" ? INFINITY : -INFINITY) : v.get<double>());
      tensor = ops::to(from_vector(data, shape), dtype == "F32" ? DType::Float32 : DType::Float64);
    }
    described.emplace_back(t.at("name"), tensor);
  }
  const Metadata metadata = description.at("metadata").get<Metadata>();

  SECTION("heed loads the reference file") {
    const auto loaded = io::load_safetensors(fixtures + "reference.safetensors");
    CHECK(loaded.metadata == metadata);
    REQUIRE(loaded.tensors.size() == described.size());
    for (const auto& [name, tensor] : described) {
      INFO(name);
      bool found = false;
      for (const auto& [loaded_name, loaded_tensor] : loaded.tensors) {
        if (loaded_name != name) continue;
        found = true;
        require_identical({{name, loaded_tensor}}, {{name, tensor}});
      }
      CHECK(found);
    }
  }
  SECTION("heed writes the reference file byte for byte") {
    TempDir dir;
    io::save_safetensors(dir.file("ours.safetensors"), described, metadata);
    const std::string ours = read_bytes(dir.file("ours.safetensors"));
    const std::string reference = read_bytes(fixtures + "reference.safetensors");
    REQUIRE(!reference.empty());
    CHECK(ours.size() == reference.size());
    CHECK(ours == reference);
  }
}

TEST_CASE("safetensors refuses damaged files, naming the file and the fault", "[checkpoint]") {
  TempDir dir;
  // One good two-tensor layout to damage: a (2) F32 at [0, 8) and a (1) I64 at [8, 16).
  const std::string data(16, '\x01');
  auto header_with = [](const std::string& a_dtype, const std::string& a_offsets, const std::string& b_offsets) {
    return R"({"a":{"dtype":")" + a_dtype + R"(","shape":[2],"data_offsets":)" + a_offsets +
           R"(},"b":{"dtype":"I64","shape":[1],"data_offsets":)" + b_offsets + "}}";
  };
  auto refused = [&](const std::string& bytes) {
    const std::string path = dir.write("damaged.safetensors", bytes);
    return error_message([&] { io::load_safetensors(path); });
  };
  const std::string good = craft(header_with("F32", "[0,8]", "[8,16]"), data);
  REQUIRE(io::load_safetensors(dir.write("good.safetensors", good)).tensors.size() == 2);

  struct Case {
    const char* what;
    std::string bytes;
    const char* fault;
  };
  const std::vector<Case> cases = {
      {"shorter than 8 bytes", std::string("\x10\x00\x00", 3), "fewer than the 8 of the header length"},
      {"empty", "", "has 0 bytes"},
      {"header length past the end", good.substr(0, 40), "goes past the end of the file"},
      {"header length absurd", craft("", "").replace(0, 8, std::string(8, '\xff')), "goes past the end of the file"},
      {"invalid JSON", craft("{\"a\": {\"dtype\": ", data), "not valid JSON"},
      {"JSON but not an object", craft("[1, 2]   ", ""), "expected a JSON object"},
      {"unknown dtype", craft(header_with("Q4", "[0,8]", "[8,16]"), data), "dtype 'Q4'"},
      {"a dtype heed lacks", craft(header_with("BF16", "[0,4]", "[4,12]"), data.substr(0, 12)), "dtype 'BF16'"},
      {"offsets past the data", craft(header_with("F32", "[0,8]", "[16,24]"), data), "ends past the data section"},
      {"overlapping offsets", craft(header_with("F32", "[0,8]", "[4,12]"), data), "overlaps tensor 'a'"},
      {"a gap between tensors", craft(header_with("F32", "[0,8]", "[12,20]"), data + "1234"), "leaves a gap of 4"},
      {"offsets not matching shape x dtype", craft(header_with("F32", "[0,12]", "[12,20]"), data + "1234"),
       "needs 8"},
      {"end before begin", craft(header_with("F32", "[8,0]", "[8,16]"), data), "data_offsets [8,0]"},
      {"negative offset", craft(header_with("F32", "[-8,0]", "[8,16]"), data), "not an unsigned integer"},
      {"trailing garbage", good + "garbage!", "8 bytes of trailing garbage"},
      {"a key twice", craft(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", data),
       "names 'a' twice"},
      {"a field missing", craft(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", data.substr(0, 8)), "has no \"shape\""},
      {"metadata not strings", craft(R"({"__metadata__":{"k":1}})", ""), "is not a string"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const std::string message = refused(c.bytes);
    CHECK_THAT(message, Catch::Contains("damaged.safetensors"));
    CHECK_THAT(message, Catch::Contains(c.fault));
  }
  CHECK_THAT(error_message([&] { io::load_safetensors(dir.file("missing.safetensors")); }),
             Catch::Contains("cannot open") && Catch::Contains("missing.safetensors"));
}

TEST_CASE("safetensors refuses tensors it cannot name", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("x.safetensors");
  CHECK_THAT(error_message([&] { io::save_safetensors(path, {{"a", zeros({1})}, {"a", zeros({2})}}); }),
             Catch::Contains("'a' appears twice"));
  CHECK_THAT(error_message([&] { io::save_safetensors(path, {{"__metadata__", zeros({1})}}); }),
             Catch::Contains("invalid tensor name"));
  CHECK_THAT(error_message([&] { io::save_safetensors(dir.file("no/such/dir/x.safetensors"), {}); }),
             Catch::Contains("no/such/dir/x.safetensors") && Catch::Contains("directory exists"));
}

TEST_CASE("a failed write leaves the previous checkpoint intact", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  const NamedTensors first = {{"w", from_vector({1, 2, 3}, {3})}};
  io::save_safetensors(path, first, {{"version", "first"}});
  const std::string before = read_bytes(path);

  // A directory where the temporary file must go makes the write fail before it touches `path`.
  std::filesystem::create_directory(path + ".tmp");
  const std::string message =
      error_message([&] { io::save_safetensors(path, {{"w", from_vector({9, 9, 9}, {3})}}, {{"version", "second"}}); });
  CHECK_THAT(message, Catch::Contains("checkpoint.safetensors"));
  CHECK(read_bytes(path) == before);
  const auto loaded = io::load_safetensors(path);
  CHECK(loaded.metadata.at("version") == "first");
  require_identical(loaded.tensors, first);

  // Once the obstacle is gone, the next save replaces the file.
  std::filesystem::remove(path + ".tmp");
  io::save_safetensors(path, {{"w", from_vector({9, 9, 9}, {3})}}, {{"version", "second"}});
  CHECK(io::load_safetensors(path).metadata.at("version") == "second");
}

TEST_CASE("checkpoint round trip: model, optimizer, counters, generator and extras", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("run.safetensors");
  Generator gen(42);
  const Tensor weight = randn({3, 2}, gen);
  const Tensor bias = randn({2}, gen, DType::Float64);
  gen.normal();  // leaves a cached spare draw, which must survive too
  REQUIRE(gen.state().has_spare);

  io::Checkpoint saved;
  saved.model = {{"layer.weight", weight}, {"layer.bias", bias}};
  saved.optimizer = {{"adam.step", from_vector(std::vector<std::int64_t>{4, 4}, {2})},
                     {"adam.lr", scalar_tensor(1e-3, DType::Float64)}};
  saved.step = (std::int64_t{1} << 53) + 1;  // not representable as a double
  saved.epoch = 3;
  saved.generator = gen.state();
  saved.extra = {{"config", R"({"attention": "scaled-dot"})"}, {"run", "demo"}};
  io::save_checkpoint(path, saved);

  const io::Checkpoint loaded = io::load_checkpoint(path);
  CHECK(loaded.step == saved.step);
  CHECK(loaded.epoch == 3);
  CHECK(loaded.generator.s == saved.generator.s);
  CHECK(loaded.generator.has_spare);
  CHECK(std::memcmp(&loaded.generator.spare, &saved.generator.spare, sizeof(double)) == 0);
  CHECK(loaded.extra == saved.extra);
  // Loaded in the file's layout order (dtype, then name), so compare by name.
  REQUIRE(loaded.model.size() == 2);
  for (const auto& [name, t] : saved.model)
    for (const auto& [loaded_name, loaded_t] : loaded.model)
      if (loaded_name == name) require_identical({{name, loaded_t}}, {{name, t}});
  REQUIRE(loaded.optimizer.size() == 2);

  // A restored generator draws what the original draws next, the cached spare first.
  Generator restored(0);
  restored.set_state(loaded.generator);
  CHECK(restored.normal() == gen.normal());
  CHECK(restored.normal() == gen.normal());
  CHECK(restored.next_u64() == gen.next_u64());

  // Words with the top bit set travel as negative int64 and come back unchanged.
  io::Checkpoint extremes;
  extremes.generator.s = {0xFFFF'FFFF'FFFF'FFFFULL, 0x8000'0000'0000'0000ULL, 0, 1};
  io::save_checkpoint(dir.file("extremes.safetensors"), extremes);
  CHECK(io::load_checkpoint(dir.file("extremes.safetensors")).generator.s == extremes.generator.s);

  // The same file is plain safetensors, with the documented keys.
  const auto raw = io::load_safetensors(path);
  CHECK(raw.metadata.at("heed.format") == "checkpoint-2");
  CHECK(!raw.metadata.at("heed.crc32").empty());
  std::vector<std::string> names;
  for (const auto& [name, _] : raw.tensors) names.push_back(name);
  for (const char* key : {"model.layer.weight", "optimizer.adam.step", "trainer.step", "trainer.epoch",
                          "trainer.generator.state", "trainer.generator.has_spare", "trainer.generator.spare"})
    CHECK(std::find(names.begin(), names.end(), key) != names.end());
}

TEST_CASE("training resumed from a checkpoint file continues bit for bit", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir.file("resume.safetensors");
  auto make_params = [] {
    Generator init(5);
    return std::vector<Tensor>{randn({4, 3}, init).requires_grad_(), randn({3}, init).requires_grad_()};
  };
  // Each step's gradients come from the trainer's generator, so it must be restored too.
  auto run = [](optim::Optimizer& optimizer, std::vector<Tensor>& params, Generator& gen, int steps) {
    for (int s = 0; s < steps; ++s) {
      for (Tensor& p : params) p.set_grad(randn(p.shape(), gen));
      optimizer.step();
    }
  };

  std::vector<Tensor> params = make_params();
  optim::AdamW optimizer(params, {.lr = 0.01, .amsgrad = true});
  Generator gen(77);
  run(optimizer, params, gen, 3);
  io::Checkpoint checkpoint;
  checkpoint.model = {{"w", params[0]}, {"b", params[1]}};
  checkpoint.optimizer = optimizer.state_dict();
  checkpoint.step = 3;
  checkpoint.generator = gen.state();
  io::save_checkpoint(path, checkpoint);
  run(optimizer, params, gen, 2);

  const io::Checkpoint loaded = io::load_checkpoint(path);
  std::vector<Tensor> resumed = make_params();
  for (const auto& [name, t] : loaded.model) {
    Tensor& target = resumed[name == "w" ? 0 : 1];
    ops::copy_(target, t);
  }
  optim::AdamW fresh(resumed, {.amsgrad = true});  // the flags that decide which state exists must match
  fresh.load_state_dict(loaded.optimizer);
  Generator fresh_gen;
  fresh_gen.set_state(loaded.generator);
  run(fresh, resumed, fresh_gen, 2);
  for (std::size_t i = 0; i < params.size(); ++i) CHECK(values(resumed[i]) == values(params[i]));
}

TEST_CASE("load_checkpoint refuses files that are not checkpoints", "[checkpoint]") {
  TempDir dir;
  const std::string plain = dir.file("plain.safetensors");
  io::save_safetensors(plain, {{"w", zeros({2})}});
  CHECK_THAT(error_message([&] { io::load_checkpoint(plain); }),
             Catch::Contains("plain.safetensors") && Catch::Contains("not a heed checkpoint"));

  const std::string stray = dir.file("stray.safetensors");
  io::save_safetensors(stray, {{"w", zeros({2})}}, {{"heed.format", "checkpoint-1"}});
  CHECK_THAT(error_message([&] { io::load_checkpoint(stray); }), Catch::Contains("has tensor 'w', outside"));

  const std::string partial = dir.file("partial.safetensors");
  io::save_safetensors(partial, {{"trainer.step", scalar_tensor(1, DType::Int64)}}, {{"heed.format", "checkpoint-1"}});
  CHECK_THAT(error_message([&] { io::load_checkpoint(partial); }), Catch::Contains("has no 'trainer.epoch'"));

  io::Checkpoint reserved;
  reserved.extra = {{"heed.format", "mine"}};
  CHECK_THAT(error_message([&] { io::save_checkpoint(dir.file("r.safetensors"), reserved); }),
             Catch::Contains("extra key 'heed.format' is reserved"));
}
