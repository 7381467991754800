// dates: a date as people write it -> the same date in ISO 8601 (YYYY-MM-DD).
//
//   "3 March 2021", "March 3, 2021", "03/03/2021", "Wednesday, March 3, 2021", "3 mar 21",
//   "the 3rd of march, 2021", ...                                  -> "2021-03-03"
// 18 formats, each also drawn in all-lower or ALL-UPPER case now and then. To make the task
// learnable every source has one reading: numeric forms put the day before the month
// (D/M/Y, or Y-M-D when the year comes first), and two-digit years cover 1950..2049 exactly.
// Weekday names are the true weekday of the date (std::chrono's calendar), so a model may use
// them as a check but never has to.
#include <algorithm>
#include <array>
#include <cctype>

#include "data/tasks.h"
#include "tensor/error.h"

namespace heed::data {
namespace {
using namespace std::chrono;

constexpr std::array<const char*, 12> kMonthNames = {"January", "February", "March",     "April",
                                                     "May",     "June",     "July",      "August",
                                                     "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kWeekdayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};  // c_encoding order
constexpr std::int64_t kNumFormats = 18;
constexpr sys_days kFirstDay = year{1950} / January / 1;
constexpr sys_days kLastDay = year{2049} / December / 31;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}
std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}
std::string two_digits(int value) { return (value < 10 ? "0" : "") + std::to_string(value); }
std::string ordinal(int day) {  // 1st 2nd 3rd 4th ... 11th 12th 13th ... 21st 22nd 23rd ... 31st
  const char* suffix = "th";
  if (day % 10 == 1 && day != 11) suffix = "st";
  if (day % 10 == 2 && day != 12) suffix = "nd";
  if (day % 10 == 3 && day != 13) suffix = "rd";
  return std::to_string(day) + suffix;
}
}  // namespace

std::int64_t num_date_formats() { return kNumFormats; }

std::string iso_date(year_month_day date) {
  HEED_CHECK(date.ok(), "iso_date: not a valid calendar date");
  const int y = static_cast<int>(date.year());
  return std::to_string(y) + "-" + two_digits(static_cast<int>(static_cast<unsigned>(date.month()))) + "-" +
         two_digits(static_cast<int>(static_cast<unsigned>(date.day())));
}

std::string format_date(year_month_day date, std::int64_t format) {
  HEED_CHECK(date.ok(), "format_date: not a valid calendar date");
  HEED_CHECK(format >= 0 && format < kNumFormats, "format_date: format ", format, " is out of range; expected 0..",
             kNumFormats - 1);
  const int y = static_cast<int>(date.year());
  const int m = static_cast<int>(static_cast<unsigned>(date.month()));
  const int d = static_cast<int>(static_cast<unsigned>(date.day()));
  const std::string year4 = std::to_string(y);
  const std::string year2 = two_digits(y % 100);
  const std::string day = std::to_string(d);
  const std::string month_name = kMonthNames[static_cast<std::size_t>(m - 1)];
  const std::string month_abbrev = month_name.substr(0, 3);
  const std::string weekday_name = kWeekdayNames[weekday{sys_days{date}}.c_encoding()];
  const std::string weekday_abbrev = weekday_name.substr(0, 3);
  switch (format) {
    case 0: return day + " " + month_name + " " + year4;                                  // 3 March 2021
    case 1: return month_name + " " + day + ", " + year4;                                 // March 3, 2021
    case 2: return two_digits(d) + "/" + two_digits(m) + "/" + year4;                     // 03/03/2021
    case 3: return year4 + "-" + std::to_string(m) + "-" + day;                           // 2021-3-3
    case 4: return year4 + "." + two_digits(m) + "." + two_digits(d);                     // 2021.03.03
    case 5: return weekday_name + ", " + month_name + " " + day + ", " + year4;           // Wednesday, March 3, 2021
    case 6: return lower(day + " " + month_abbrev + " " + year2);                         // 3 mar 21
    case 7: return upper(month_abbrev) + " " + day + " " + year4;                         // MAR 3 2021
    case 8: return lower(month_name) + " " + ordinal(d) + " " + year4;                    // march 3rd 2021
    case 9: return "the " + ordinal(d) + " of " + lower(month_name) + ", " + year4;       // the 3rd of march, 2021
    case 10: return day + "." + std::to_string(m) + "." + year4;                          // 3.3.2021
    case 11: return two_digits(d) + " " + upper(month_name) + " " + year4;                // 03 MARCH 2021
    case 12: return weekday_abbrev + " " + day + " " + month_abbrev + " " + year4;        // Wed 3 Mar 2021
    case 13: return day + "-" + month_abbrev + "-" + year4;                               // 3-Mar-2021
    case 14: return month_abbrev + " " + ordinal(d) + ", " + year4;                       // Mar 3rd, 2021
    case 15: return lower(weekday_name + " " + day + " " + month_name + " " + year4);     // wednesday 3 march 2021
    case 16: return day + "/" + std::to_string(m) + "/" + year2;                          // 3/3/21
    default:  // Wednesday the 3rd of March 2021
      return weekday_name + " the " + ordinal(d) + " of " + month_name + " " + year4;
  }
}

Example make_date_example(Generator& gen) {
  const std::int64_t num_days = (kLastDay - kFirstDay).count() + 1;
  const year_month_day date{kFirstDay + days{gen.randint(0, num_days)}};
  std::string source = format_date(date, gen.randint(0, kNumFormats));
  // One time in five all-lower, one in five ALL-UPPER: people are not consistent about case.
  const std::int64_t casing = gen.randint(0, 5);
  if (casing == 0) source = lower(source);
  if (casing == 1) source = upper(source);
  return {source, iso_date(date)};
}

}  // namespace heed::data
