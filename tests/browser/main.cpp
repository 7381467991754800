// Main for the browser tests: runs the [browser] tests where Chromium is
// installed, and otherwise says so loudly and exits 77, which CTest reports as
// "Skipped" (never as passed).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "browser.h"

int main(int argc, char* argv[]) {
  if (heed::browser_test::find_chromium().empty()) {
    std::fprintf(stderr,
                 "SKIPPED: chromium is not on the PATH, so report.html was not checked in a browser; "
                 "scripts/install-deps.sh installs it (Debian package chromium).\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
