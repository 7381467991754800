// copy, reverse, sort: the three algorithmic tasks on strings of symbols.
//
// A source is a string of length L ~ Uniform[min_len, max_len] over a 20-letter alphabet
// (a..t), each letter uniform. The target is the same string (copy), its mirror image
// (reverse), or its letters in alphabetical order (sort). Copy needs only a position-wise
// alignment; reverse needs attention that walks backwards; sort needs the model to count.
#include <algorithm>

#include "data/tasks.h"

namespace heed::data {
namespace {
std::string random_symbols(Generator& gen, std::int64_t min_len, std::int64_t max_len) {
  const std::int64_t length = gen.randint(min_len, max_len + 1);
  const auto alphabet_size = static_cast<std::int64_t>(kSymbolAlphabet.size());
  std::string symbols;
  symbols.reserve(static_cast<std::size_t>(length));
  for (std::int64_t i = 0; i < length; ++i) {
    symbols += kSymbolAlphabet[static_cast<std::size_t>(gen.randint(0, alphabet_size))];
  }
  return symbols;
}
}  // namespace

Example make_copy_example(Generator& gen, std::int64_t min_len, std::int64_t max_len) {
  std::string source = random_symbols(gen, min_len, max_len);
  return {source, source};
}

Example make_reverse_example(Generator& gen, std::int64_t min_len, std::int64_t max_len) {
  std::string source = random_symbols(gen, min_len, max_len);
  return {source, std::string(source.rbegin(), source.rend())};
}

Example make_sort_example(Generator& gen, std::int64_t min_len, std::int64_t max_len) {
  std::string source = random_symbols(gen, min_len, max_len);
  std::string sorted = source;
  std::sort(sorted.begin(), sorted.end());
  return {source, sorted};
}

}  // namespace heed::data
