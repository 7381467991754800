// Running a program as a child process, for the comparison driver: each run
// of a sweep is its own process, so a run that crashes or is killed for memory
// ends only that run, and the sweep reports it and goes on.
//
//   ChildExit exit = run_child(bin / "translate", {"--task", "dates"}, "out.txt", "log.txt",
//                              [] { /* called about once a second while it runs */ });
//   if (!exit.ok()) std::cerr << exit.describe() << "\n";
//
// The child's stdout and stderr go to files (stdin is /dev/null); the parent
// polls it rather than blocking, so it can keep a progress line alive.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace heed::experiments {

struct ChildExit {
  int exit_code = -1;  // the status passed to exit(); -1 when killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  double seconds = 0;  // wall time from start to exit

  bool ok() const { return signal == 0 && exit_code == 0; }
  // "exit status 1" or "killed by signal 9 (SIGKILL: out of memory, or killed)".
  std::string describe() const;
};

// Starts `program` with `args` (not counting argv[0]) and waits for it. Throws
// a heed::Error when the program cannot be started at all.
ChildExit run_child(const std::filesystem::path& program, const std::vector<std::string>& args,
                    const std::filesystem::path& stdout_file, const std::filesystem::path& stderr_file,
                    const std::function<void()>& tick = {});

// The last line of a text file that is not empty (after dropping progress
// rewrites: text before a '\r'), or "" when there is none. Reads only its tail.
std::string last_line_of(const std::filesystem::path& file);

// The folder holding the running program (from /proc/self/exe): the drivers
// are built side by side in build/bin.
std::filesystem::path own_program_folder();

}  // namespace heed::experiments
