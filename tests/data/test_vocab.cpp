// Vocab maps tokens to ids with the four specials first, and survives a JSON round trip.
#include "helpers.h"

#include "data/vocab.h"
#include "temp_dir.h"

using namespace heed::data;
using Tokens = std::vector<std::string>;
using Ids = std::vector<std::int64_t>;

TEST_CASE("Vocab starts with the special tokens", "[data]") {
  const Vocab vocab;
  REQUIRE(vocab.size() == 4);
  REQUIRE(vocab.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>"});
  REQUIRE(vocab.id("<pad>") == Vocab::kPad);
  REQUIRE(vocab.id("<bos>") == Vocab::kBos);
  REQUIRE(vocab.id("<eos>") == Vocab::kEos);
  REQUIRE(vocab.id("<unk>") == Vocab::kUnk);
  REQUIRE(Vocab::kPad == 0);
  REQUIRE(Vocab::kBos == 1);
  REQUIRE(Vocab::kEos == 2);
  REQUIRE(Vocab::kUnk == 3);
}

TEST_CASE("Vocab adds tokens once and maps unknown ones to <unk>", "[data]") {
  Vocab vocab;
  REQUIRE(vocab.add("a") == 4);
  REQUIRE(vocab.add("b") == 5);
  REQUIRE(vocab.add("a") == 4);
  REQUIRE(vocab.size() == 6);
  REQUIRE(vocab.contains("b"));
  REQUIRE_FALSE(vocab.contains("z"));
  REQUIRE(vocab.id("z") == Vocab::kUnk);
  REQUIRE(vocab.token(5) == "b");
  REQUIRE_THROWS_WITH(vocab.token(6), Catch::Contains("id 6") && Catch::Contains("6 tokens"));
  REQUIRE_THROWS(vocab.token(-1));
}

TEST_CASE("Vocab encode and decode round trip", "[data]") {
  Vocab vocab;
  for (const auto& token : {"h", "e", "l", "o"}) vocab.add(token);
  const Tokens hello = {"h", "e", "l", "l", "o"};
  const Ids ids = vocab.encode(hello);
  REQUIRE(ids == Ids{4, 5, 6, 6, 7});
  REQUIRE(vocab.decode(ids) == hello);
  REQUIRE(vocab.encode({"h", "x"}) == Ids{4, Vocab::kUnk});
  REQUIRE(vocab.decode({4, Vocab::kUnk}) == Tokens{"h", "<unk>"});
  // <bos> and <pad> are dropped; decoding stops at the first <eos> unless told otherwise.
  const Ids generated = {Vocab::kBos, 4, 5, Vocab::kEos, 6, Vocab::kPad, Vocab::kPad};
  REQUIRE(vocab.decode(generated) == Tokens{"h", "e"});
  REQUIRE(vocab.decode(generated, /*stop_at_eos=*/false) == Tokens{"h", "e", "<eos>", "l"});
}

TEST_CASE("Vocab saves and loads as JSON", "[data]") {
  Vocab vocab;
  for (const auto& token : {"x", "caf\xC3\xA9", "\"quoted\""}) vocab.add(token);
  const nlohmann::json json = vocab.to_json();
  REQUIRE(json["tokens"][4] == "x");
  const Vocab copy = Vocab::from_json(json);
  REQUIRE(copy.tokens() == vocab.tokens());
  REQUIRE(copy.id("caf\xC3\xA9") == 5);

  heed::test::TempDir dir;
  vocab.save(dir.file("vocab.json"));
  REQUIRE(Vocab::load(dir.file("vocab.json")).tokens() == vocab.tokens());

  REQUIRE_THROWS_WITH(Vocab::load(dir.file("absent.json")), Catch::Contains("absent.json"));
  dir.write("broken.json", "{\"tokens\": [");
  REQUIRE_THROWS_WITH(Vocab::load(dir.file("broken.json")), Catch::Contains("broken.json") &&
                                                                 Catch::Contains("not valid JSON"));
  REQUIRE_THROWS_WITH(Vocab::from_json(nlohmann::json{{"tokens", {"<bos>", "<pad>", "<eos>", "<unk>"}}}),
                      Catch::Contains("token 0 is '<bos>'") && Catch::Contains("expected '<pad>'"));
  REQUIRE_THROWS_WITH(Vocab::from_json(nlohmann::json{{"tokens", {"<pad>", "<bos>", "<eos>", "<unk>", "a", "a"}}}),
                      Catch::Contains("'a' appears twice"));
  REQUIRE_THROWS_WITH(Vocab::from_json(nlohmann::json::array()), Catch::Contains("\"tokens\""));
}

TEST_CASE("Vocab::build keeps frequent tokens, most frequent first", "[data]") {
  const std::vector<Tokens> corpus = {{"b", "a", "c"}, {"a", "b", "a"}, {"d"}};
  const Vocab all = Vocab::build(corpus);
  // a:3, b:2, then c and d once each, alphabetically.
  REQUIRE(all.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c", "d"});
  const Vocab frequent = Vocab::build(corpus, /*min_frequency=*/2);
  REQUIRE(frequent.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b"});
  REQUIRE(frequent.id("c") == Vocab::kUnk);
  REQUIRE_THROWS_WITH(Vocab::build(corpus, 0), Catch::Contains("min_frequency"));

  const Vocab from_text = Vocab::build({"abba", "cab"}, CharTokenizer());
  REQUIRE(from_text.tokens() == Tokens{"<pad>", "<bos>", "<eos>", "<unk>", "a", "b", "c"});
}
