#include "experiments/lib/child_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <thread>

#include "tensor/error.h"

extern char** environ;

namespace heed::experiments {

namespace fs = std::filesystem;

std::string ChildExit::describe() const {
  if (signal == 0) return "exit status " + std::to_string(exit_code);
  std::string why;
  if (const char* name = sigabbrev_np(signal)) why = std::string("SIG") + name;
  if (signal == SIGKILL) why += ": out of memory, or killed";
  if (signal == SIGSEGV || signal == SIGABRT || signal == SIGBUS) why += ": the program crashed";
  const std::string text = "killed by signal " + std::to_string(signal);
  return why.empty() ? text : text + " (" + why + ")";
}

ChildExit run_child(const fs::path& program, const std::vector<std::string>& args, const fs::path& stdout_file,
                    const fs::path& stderr_file, const std::function<void()>& tick) {
  HEED_CHECK(access(program.c_str(), X_OK) == 0, "run_child: cannot run ", program.string(),
             " (missing or not executable); build the drivers first: cmake --build build");
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back(program.string());
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  HEED_CHECK(spawned == 0, "run_child: cannot start ", program.string(), ": ", std::strerror(spawned));

  // Poll rather than block, so the caller's progress line stays alive.
  int status = 0;
  auto last_tick = start;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    HEED_CHECK(done == 0 || errno == EINTR, "run_child: waiting for ", program.string(), " failed: ",
               std::strerror(errno));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    if (tick && now - last_tick >= std::chrono::seconds(1)) {
      last_tick = now;
      tick();
    }
  }
  ChildExit exit;
  exit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFSIGNALED(status)) {
    exit.signal = WTERMSIG(status);
  } else {
    exit.exit_code = WEXITSTATUS(status);
  }
  return exit;
}

std::string last_line_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff tail = std::min<std::streamoff>(size, 4096);
  in.seekg(size - tail);
  std::string text(static_cast<std::size_t>(tail), '\0');
  in.read(text.data(), tail);
  std::string last;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(begin, end - begin);
    if (const auto cr = line.find_last_of('\r'); cr != std::string::npos) line = line.substr(cr + 1);
    // A terminal's "clear line" escape, written before each progress rewrite.
    if (line.rfind("\033[K", 0) == 0) line = line.substr(3);
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
    begin = end + 1;
  }
  return last;
}

fs::path own_program_folder() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  HEED_CHECK(!error, "compare: cannot read /proc/self/exe to find the drivers: ", error.message());
  return exe.parent_path();
}

}  // namespace heed::experiments
