// heed::Error — the one exception type heed throws.
//
// Every message names the op, what it saw, and what it expected, so the reader
// can fix the call without opening the source:
//   matmul: inner dims differ: (3,4) @ (5,6); expected a.shape[-1] == b.shape[-2]
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace heed {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(out.str());
}
}  // namespace detail

}  // namespace heed

// HEED_CHECK(cond, "op: what went wrong ", value, "; expected ...") throws heed::Error.
#define HEED_CHECK(cond, ...)                   \
  do {                                          \
    if (!(cond)) ::heed::detail::fail(__VA_ARGS__); \
  } while (0)
