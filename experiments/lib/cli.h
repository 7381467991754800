// Helpers the drivers share for their command lines: reading a config back
// for --resume, and the one place where errors become a message and an exit code.
#pragma once

#include <exception>
#include <functional>
#include <iostream>
#include <string>

#include <cxxopts.hpp>

#include "tensor/error.h"

namespace heed::experiments {

// Runs a driver's body; a bad flag or a heed::Error prints one line and exits non-zero.
inline int run_driver(const char* driver, const std::function<int()>& body) {
  try {
    return body();
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << driver << ": " << e.what() << " (see " << driver << " --help)\n";
    return 2;
  } catch (const heed::Error& e) {
    // Messages from the driver's own checks already start with its name.
    const std::string message = e.what();
    const std::string prefix = std::string(driver) + ": ";
    std::cerr << (message.rfind(prefix, 0) == 0 ? "" : prefix) << message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << driver << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace heed::experiments
