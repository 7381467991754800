// Faults that must lose nothing: a process killed while it writes a checkpoint,
// a disk that fills up, and files damaged after they were written.
//
// The writers run in forked children, so a SIGKILL or a file-size limit hits a
// real process mid-write; the parent then loads what is on disk.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "data/checkpoint.h"
#include "data/temp_dir.h"
#include "helpers.h"

using namespace heed;
using heed::test::TempDir;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string error_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A checkpoint whose every model value and whose step are `version`, so a
// loaded file shows at once whether it is one whole write.
io::Checkpoint versioned(std::int64_t version, std::int64_t values) {
  io::Checkpoint c;
  c.model = {{"w", full({values}, static_cast<double>(version), DType::Float64)}};
  c.optimizer = {{"adam.step", full({1}, static_cast<double>(version), DType::Float64)}};
  c.step = version;
  c.extra = {{"version", std::to_string(version)}};
  return c;
}

// The loaded checkpoint is exactly one of the versions written: all its parts agree.
void require_whole(const io::Checkpoint& c) {
  const std::vector<double> w = c.model.at(0).second.to_vector<double>();
  REQUIRE_FALSE(w.empty());
  REQUIRE(std::count(w.begin(), w.end(), static_cast<double>(c.step)) == static_cast<std::ptrdiff_t>(w.size()));
  REQUIRE(c.optimizer.at(0).second.to_vector<double>().at(0) == static_cast<double>(c.step));
  REQUIRE(c.extra.at("version") == std::to_string(c.step));
}

}  // namespace

TEST_CASE("a process killed at random moments while saving always leaves the last good checkpoint",
          "[checkpoint][faults]") {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  constexpr std::int64_t kValues = 1 << 19;  // 4 MiB of float64: a write takes long enough to be cut
  io::save_checkpoint(path, versioned(1, kValues));
  std::mt19937 random(12345);
  std::int64_t newest_seen = 1;
  for (int trial = 0; trial < 12; ++trial) {
    INFO("trial " << trial);
    // Made before the fork: the child only writes (it runs no kernel, so no thread pool is needed after fork).
    const io::Checkpoint newer = versioned(trial + 2, kValues);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the writer: saves the newer version over the same path until it is killed
      for (;;) io::save_checkpoint(path, newer);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(random)));
    REQUIRE(kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    const io::Checkpoint loaded = io::load_checkpoint(path);  // never a half-written file
    require_whole(loaded);
    REQUIRE(loaded.step >= newest_seen);  // and never an older one than before
    newest_seen = loaded.step;
    std::filesystem::remove(path + ".tmp");  // what a killed write may leave; the next save replaces it anyway
  }
}

TEST_CASE("a full disk makes saving fail with a clear error and keeps the old checkpoint", "[checkpoint][faults]") {
  TempDir dir;
  const std::string path = dir.file("checkpoint.safetensors");
  io::save_checkpoint(path, versioned(7, 16));
  const std::string before = read_bytes(path);

  // The child may write at most 64 KiB to any file (as a nearly full disk would allow), then saves 4 MiB.
  const io::Checkpoint large = versioned(8, 1 << 19);
  int pipe_ends[2];
  REQUIRE(pipe(pipe_ends) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(pipe_ends[0]);
    signal(SIGXFSZ, SIG_IGN);  // past the limit, write() fails with EFBIG instead of killing the process
    const rlimit limit{64 * 1024, 64 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    const std::string message = error_message([&] { io::save_checkpoint(path, large); });
    [[maybe_unused]] const auto written = write(pipe_ends[1], message.data(), message.size());
    _exit(0);
  }
  close(pipe_ends[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_ends[0], buffer, sizeof buffer)) > 0;) message.append(buffer, static_cast<std::size_t>(n));
  close(pipe_ends[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));

  INFO("the child's error: " << message);
  CHECK_THAT(message, Catch::Contains("save_safetensors") && Catch::Contains("checkpoint.safetensors") &&
                          Catch::Contains("File too large"));
  CHECK(read_bytes(path) == before);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));  // the failed write cleaned up after itself
  const io::Checkpoint loaded = io::load_checkpoint(path);
  require_whole(loaded);
  CHECK(loaded.step == 7);
}

TEST_CASE("every single-bit flip of a checkpoint file is refused, naming the file", "[checkpoint][faults]") {
  TempDir dir;
  const std::string good_path = dir.file("good.safetensors");
  io::Checkpoint c = versioned(3, 4);
  c.extra["config"] = R"({"lr":0.002,"task":"dates"})";
  io::save_checkpoint(good_path, c);
  const std::string good = read_bytes(good_path);
  const std::string path = dir.file("flipped.safetensors");
  std::vector<std::string> accepted;  // "byte B bit b: what load said", for each flip not refused by name
  for (std::size_t byte = 0; byte < good.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = good;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      write_bytes(path, flipped);
      const std::string message = error_message([&] { io::load_checkpoint(path); });
      if (message.find("flipped.safetensors") == std::string::npos)
        accepted.push_back("byte " + std::to_string(byte) + " bit " + std::to_string(bit) + ": " + message);
    }
  }
  INFO(good.size() * 8 << " flips tried; the first not refused: " << (accepted.empty() ? "none" : accepted.front()));
  CHECK(accepted.empty());
  require_whole(io::load_checkpoint(good_path));  // the good file itself still loads
}

TEST_CASE("truncated checkpoint files are refused at every length, naming the file", "[checkpoint][faults]") {
  TempDir dir;
  const std::string good = [&] {
    io::save_checkpoint(dir.file("good.safetensors"), versioned(5, 32));
    return read_bytes(dir.file("good.safetensors"));
  }();
  const std::string path = dir.file("cut.safetensors");
  std::vector<std::size_t> accepted;  // lengths whose file was not refused by name
  for (std::size_t length = 0; length < good.size(); ++length) {
    write_bytes(path, good.substr(0, length));
    if (error_message([&] { io::load_checkpoint(path); }).find("cut.safetensors") == std::string::npos)
      accepted.push_back(length);
  }
  INFO(good.size() << " lengths tried; the first not refused: " << (accepted.empty() ? -1 : static_cast<long>(accepted.front())));
  CHECK(accepted.empty());
}

TEST_CASE("a checkpoint with a wrong dtype or shape for a trainer entry is refused with both", "[checkpoint][faults]") {
  TempDir dir;
  const std::string path = dir.file("odd.safetensors");
  // Written by hand as a checkpoint of the older, unchecked format, so only the layout can refuse it.
  auto write_with_step = [&](const Tensor& step) {
    io::save_safetensors(path,
                         {{"trainer.step", step},
                          {"trainer.epoch", from_vector(std::vector<std::int64_t>{0}, {})},
                          {"trainer.generator.state", from_vector(std::vector<std::int64_t>{1, 2, 3, 4}, {4})},
                          {"trainer.generator.has_spare", from_vector(std::vector<std::int64_t>{0}, {})},
                          {"trainer.generator.spare", from_vector(std::vector<double>{0.0}, {})}},
                         {{"heed.format", "checkpoint-1"}});
  };
  write_with_step(from_vector(std::vector<double>{3.0}, {}));
  CHECK_THAT(error_message([&] { io::load_checkpoint(path); }),
             Catch::Contains("odd.safetensors") && Catch::Contains("'trainer.step' is () float64, expected () int64"));
  write_with_step(from_vector(std::vector<std::int64_t>{3, 4}, {2}));
  CHECK_THAT(error_message([&] { io::load_checkpoint(path); }),
             Catch::Contains("odd.safetensors") && Catch::Contains("'trainer.step' is (2,) int64, expected () int64"));
}
