// numbers: an integer written in English words -> its digits.
//
//   "seven"                                        -> "7"
//   "three hundred forty-two thousand seven"       -> "342007"   (American: no "and")
//   "three hundred and forty-two thousand and seven" -> "342007" (British: "and" before the tens)
// Values run from 0 to 999,999. The number of digits is drawn first, uniform in
// [min_digits, max_digits], then the value uniformly among numbers of that many digits, so short
// numbers are as common as long ones (drawing the value uniformly would make 90% of them six
// digits long). Both sides are character-level: the model must learn the words letter by letter.
#include <array>

#include "data/tasks.h"
#include "tensor/error.h"

namespace heed::data {
namespace {
constexpr std::array<const char*, 20> kUnits = {"zero",    "one",     "two",       "three",    "four",
                                                "five",    "six",     "seven",     "eight",    "nine",
                                                "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                                "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> kTens = {"",      "",      "twenty",  "thirty", "forty",
                                               "fifty", "sixty", "seventy", "eighty", "ninety"};

std::string below_hundred(std::int64_t value) {  // 1..99
  if (value < 20) return kUnits[static_cast<std::size_t>(value)];
  std::string words = kTens[static_cast<std::size_t>(value / 10)];
  if (value % 10 != 0) words += std::string("-") + kUnits[static_cast<std::size_t>(value % 10)];
  return words;
}

std::string below_thousand(std::int64_t value, bool british_and) {  // 1..999
  if (value < 100) return below_hundred(value);
  std::string words = std::string(kUnits[static_cast<std::size_t>(value / 100)]) + " hundred";
  if (value % 100 != 0) words += (british_and ? " and " : " ") + below_hundred(value % 100);
  return words;
}
}  // namespace

std::string number_in_words(std::int64_t value, bool british_and) {
  HEED_CHECK(value >= 0 && value <= 999999, "number_in_words: ", value, " is outside 0..999999");
  if (value == 0) return "zero";
  const std::int64_t thousands = value / 1000;
  const std::int64_t rest = value % 1000;
  std::string words;
  if (thousands > 0) words = below_thousand(thousands, british_and) + " thousand";
  if (rest > 0) {
    if (!words.empty()) words += (british_and && rest < 100) ? " and " : " ";  // "two thousand and seven"
    words += below_thousand(rest, british_and);
  }
  return words;
}

Example make_number_example(Generator& gen, std::int64_t min_digits, std::int64_t max_digits) {
  HEED_CHECK(min_digits >= 1 && min_digits <= max_digits && max_digits <= 6, "make_number_example: digits [",
             min_digits, ", ", max_digits, "] are invalid; expected 1 <= min <= max <= 6");
  const std::int64_t digits = gen.randint(min_digits, max_digits + 1);
  std::int64_t low = 1;
  for (std::int64_t i = 1; i < digits; ++i) low *= 10;
  const std::int64_t high = low * 10;  // numbers with `digits` digits are [low, high), and 0 counts as one digit
  const std::int64_t value = gen.randint(digits == 1 ? 0 : low, high);
  const bool british_and = gen.randint(0, 2) == 1;
  return {number_in_words(value, british_and), std::to_string(value)};
}

}  // namespace heed::data
