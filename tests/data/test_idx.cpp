// IDX files, plain and gzipped, read back exactly; corrupt ones refused with the file's name.
#include "helpers.h"

#include <zlib.h>

#include <bit>

#include "data/idx.h"
#include "temp_dir.h"

using namespace heed;
using namespace heed::data;
using heed::test::values;

namespace {

void append_big_endian(std::string& bytes, std::uint64_t value, int size) {
  for (int shift = 8 * (size - 1); shift >= 0; shift -= 8) bytes += static_cast<char>((value >> shift) & 0xFF);
}

// The header: two zero bytes, the type, the rank, then each size as a big-endian uint32.
std::string idx_header(std::uint8_t type, const std::vector<std::uint32_t>& dims) {
  std::string bytes = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (const auto size : dims) append_big_endian(bytes, size, 4);
  return bytes;
}

std::string counting_bytes(int count) {  // 0, 1, 2, ... as uint8 data
  std::string bytes;
  for (int i = 0; i < count; ++i) bytes += static_cast<char>(i);
  return bytes;
}

std::string write_gzip(const std::string& path, const std::string& contents) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  REQUIRE(gzwrite(file, contents.data(), static_cast<unsigned>(contents.size())) == static_cast<int>(contents.size()));
  REQUIRE(gzclose(file) == Z_OK);
  return path;
}

std::vector<double> counting(int count) {
  std::vector<double> expected;
  for (int i = 0; i < count; ++i) expected.push_back(i);
  return expected;
}

}  // namespace

TEST_CASE("read_idx reads plain and gzipped uint8 files", "[data]") {
  heed::test::TempDir dir;
  const std::string contents = idx_header(0x08, {2, 3, 4}) + counting_bytes(24);
  const std::string plain = dir.write("cube-idx3-ubyte", contents);
  const std::string gzipped = write_gzip(dir.file("cube-idx3-ubyte.gz"), contents);
  for (const auto& path : {plain, gzipped}) {
    INFO(path);
    const IdxArray array = read_idx(path, 3);
    REQUIRE(array.type == IdxType::UInt8);
    REQUIRE(array.dims == Shape{2, 3, 4});
    const Tensor as_float = idx_to_tensor(array, DType::Float32);
    REQUIRE(as_float.shape() == Shape{2, 3, 4});
    REQUIRE(values(as_float) == counting(24));
    const Tensor as_index = read_idx_tensor(path, DType::Int64);
    REQUIRE(as_index.dtype() == DType::Int64);
    REQUIRE(values(as_index) == counting(24));
  }
  // Bytes above 127 are unsigned pixels, not negative numbers.
  const std::string bright = dir.write("bright", idx_header(0x08, {2}) + "\xFF\x80");
  REQUIRE(values(read_idx_tensor(bright)) == std::vector<double>{255, 128});
}

TEST_CASE("read_idx converts big-endian multi-byte types", "[data]") {
  heed::test::TempDir dir;
  std::string int32_data;
  for (const std::int32_t v : {-2, 70000, 1}) append_big_endian(int32_data, static_cast<std::uint32_t>(v), 4);
  const std::string int32_path = dir.write("int32", idx_header(0x0C, {3}) + int32_data);
  REQUIRE(values(read_idx_tensor(int32_path, DType::Int64)) == std::vector<double>{-2, 70000, 1});

  std::string int16_data;
  for (const std::int16_t v : {-300, 300}) append_big_endian(int16_data, static_cast<std::uint16_t>(v), 2);
  const std::string int16_path = dir.write("int16", idx_header(0x0B, {1, 2}) + int16_data);
  REQUIRE(values(read_idx_tensor(int16_path, DType::Float32)) == std::vector<double>{-300, 300});

  const std::string int8_path = dir.write("int8", idx_header(0x09, {2}) + "\xFF\x05");
  REQUIRE(values(read_idx_tensor(int8_path, DType::Int32)) == std::vector<double>{-1, 5});

  std::string float32_data;
  for (const float v : {1.5f, -2.25f}) append_big_endian(float32_data, std::bit_cast<std::uint32_t>(v), 4);
  const std::string float32_path = dir.write("float32", idx_header(0x0D, {2}) + float32_data);
  REQUIRE(values(read_idx_tensor(float32_path, DType::Float64)) == std::vector<double>{1.5, -2.25});

  std::string float64_data;
  for (const double v : {0.1, -1e300}) append_big_endian(float64_data, std::bit_cast<std::uint64_t>(v), 8);
  const std::string float64_path = write_gzip(dir.file("float64.gz"), idx_header(0x0E, {2}) + float64_data);
  const IdxArray array = read_idx(float64_path);
  REQUIRE(array.type == IdxType::Float64);
  REQUIRE(values(idx_to_tensor(array, DType::Float64)) == std::vector<double>{0.1, -1e300});
}

TEST_CASE("read_idx refuses corrupt files and names them", "[data]") {
  heed::test::TempDir dir;
  const std::string good = idx_header(0x08, {2, 3, 4}) + counting_bytes(24);

  const std::string missing = dir.file("missing-idx3-ubyte");
  REQUIRE_THROWS_WITH(read_idx(missing), Catch::Contains(missing));

  std::string bad_magic_bytes = good;
  bad_magic_bytes[0] = 0x12;
  const std::string bad_magic = dir.write("bad-magic", bad_magic_bytes);
  REQUIRE_THROWS_WITH(read_idx(bad_magic), Catch::Contains(bad_magic) && Catch::Contains("bad magic"));

  const std::string truncated = dir.write("truncated", good.substr(0, good.size() - 4));
  REQUIRE_THROWS_WITH(read_idx(truncated),
                      Catch::Contains(truncated) && Catch::Contains("expected 24 bytes of data, found 20"));
  const std::string truncated_gz = write_gzip(dir.file("truncated.gz"), good.substr(0, good.size() - 4));
  REQUIRE_THROWS_WITH(read_idx(truncated_gz),
                      Catch::Contains(truncated_gz) && Catch::Contains("expected 24 bytes of data, found 20"));
  const std::string too_long = dir.write("too-long", good + "x");
  REQUIRE_THROWS_WITH(read_idx(too_long), Catch::Contains(too_long) && Catch::Contains("found 25"));

  const std::string cube = dir.write("cube", good);
  REQUIRE_THROWS_WITH(read_idx(cube, 1), Catch::Contains(cube) && Catch::Contains("has 3 dimensions; expected 1"));
  const std::string rank0 = dir.write("rank0", idx_header(0x08, {}));
  REQUIRE_THROWS_WITH(read_idx(rank0), Catch::Contains(rank0) && Catch::Contains("0 dimensions"));

  std::string bad_type_bytes = good;
  bad_type_bytes[2] = 0x07;
  const std::string bad_type = dir.write("bad-type", bad_type_bytes);
  REQUIRE_THROWS_WITH(read_idx(bad_type), Catch::Contains(bad_type) && Catch::Contains("unknown element type 0x07"));

  const std::string short_header = dir.write("short-header", idx_header(0x08, {2, 3, 4}).substr(0, 9));
  REQUIRE_THROWS_WITH(read_idx(short_header), Catch::Contains(short_header) && Catch::Contains("header"));
  const std::string tiny = dir.write("tiny", std::string("\0\0", 2));
  REQUIRE_THROWS_WITH(read_idx(tiny), Catch::Contains(tiny) && Catch::Contains("too short"));

  // A gzip stream cut in the middle: zlib notices, and the error says which file.
  std::string big = idx_header(0x08, {100000}) + std::string(100000, '\0');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>(i * 31);  // not too compressible
  const std::string whole_gz = write_gzip(dir.file("whole.gz"), big);
  std::ifstream in(whole_gz, std::ios::binary);
  const std::string compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut_gz = dir.write("cut.gz", compressed.substr(0, compressed.size() / 2));
  REQUIRE_THROWS_WITH(read_idx(cut_gz), Catch::Contains(cut_gz));
}
