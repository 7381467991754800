#include "data/vocab.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <utility>

#include "tensor/error.h"

namespace heed::data {
namespace {
const std::vector<std::string>& special_tokens() {
  static const std::vector<std::string> specials = {"<pad>", "<bos>", "<eos>", "<unk>"};
  return specials;
}
}  // namespace

Vocab::Vocab() {
  for (const auto& special : special_tokens()) add(special);
}

std::int64_t Vocab::add(const std::string& token) {
  const auto [position, inserted] = ids_.try_emplace(token, size());
  if (inserted) tokens_.push_back(token);
  return position->second;
}

std::int64_t Vocab::id(const std::string& token) const {
  const auto found = ids_.find(token);
  return found == ids_.end() ? kUnk : found->second;
}

const std::string& Vocab::token(std::int64_t id) const {
  HEED_CHECK(id >= 0 && id < size(), "Vocab::token: id ", id, " is outside the vocabulary of ", size(),
             " tokens; expected 0 <= id < ", size());
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<std::int64_t> ids;
  ids.reserve(tokens.size());
  for (const auto& token : tokens) ids.push_back(id(token));
  return ids;
}

std::vector<std::string> Vocab::decode(const std::vector<std::int64_t>& ids, bool stop_at_eos) const {
  std::vector<std::string> tokens;
  for (const std::int64_t id : ids) {
    if (id == kEos && stop_at_eos) break;
    if (id == kPad || id == kBos) continue;
    tokens.push_back(token(id));
  }
  return tokens;
}

nlohmann::json Vocab::to_json() const { return nlohmann::json{{"tokens", tokens_}}; }

Vocab Vocab::from_json(const nlohmann::json& json) {
  HEED_CHECK(json.is_object() && json.contains("tokens") && json["tokens"].is_array(),
             "Vocab::from_json: expected an object {\"tokens\": [...]}, got ", json.dump().substr(0, 80));
  const auto& list = json["tokens"];
  const auto& specials = special_tokens();
  HEED_CHECK(list.size() >= specials.size(), "Vocab::from_json: only ", list.size(),
             " tokens; a vocabulary starts with the ", specials.size(), " special tokens <pad> <bos> <eos> <unk>");
  Vocab vocab;
  for (std::size_t i = 0; i < list.size(); ++i) {
    HEED_CHECK(list[i].is_string(), "Vocab::from_json: token ", i, " is ", list[i].dump(), ", expected a string");
    const auto token = list[i].get<std::string>();
    if (i < specials.size()) {
      HEED_CHECK(token == specials[i], "Vocab::from_json: token ", i, " is '", token, "', expected '",
                 specials[i], "' (the special tokens come first, in the order <pad> <bos> <eos> <unk>)");
      continue;
    }
    HEED_CHECK(!vocab.contains(token), "Vocab::from_json: token '", token, "' appears twice (again at position ",
               i, "); every token must be unique");
    vocab.add(token);
  }
  return vocab;
}

void Vocab::save(const std::string& path) const {
  std::ofstream out(path);
  HEED_CHECK(out.good(), "Vocab::save: cannot write '", path, "'; check that its directory exists");
  std::string text;
  try {
    text = to_json().dump(1);
  } catch (const nlohmann::json::exception& error) {
    detail::fail("Vocab::save: a token is not valid UTF-8, so '", path, "' cannot be JSON: ", error.what());
  }
  out << text << '\n';
  HEED_CHECK(out.good(), "Vocab::save: writing '", path, "' failed (disk full?)");
}

Vocab Vocab::load(const std::string& path) {
  std::ifstream in(path);
  HEED_CHECK(in.good(), "Vocab::load: cannot open '", path, "'; check the path");
  nlohmann::json json;
  try {
    in >> json;
  } catch (const nlohmann::json::exception& error) {
    detail::fail("Vocab::load: '", path, "' is not valid JSON: ", error.what());
  }
  return from_json(json);
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& tokenized_texts, std::int64_t min_frequency) {
  HEED_CHECK(min_frequency >= 1, "Vocab::build: min_frequency is ", min_frequency, "; expected >= 1");
  std::map<std::string, std::int64_t> counts;  // ordered, so ties break alphabetically below
  for (const auto& tokens : tokenized_texts) {
    for (const auto& token : tokens) ++counts[token];
  }
  std::vector<std::pair<std::string, std::int64_t>> frequent;
  for (const auto& [token, count] : counts) {
    if (count >= min_frequency) frequent.emplace_back(token, count);
  }
  std::stable_sort(frequent.begin(), frequent.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  Vocab vocab;
  for (const auto& entry : frequent) vocab.add(entry.first);
  return vocab;
}

Vocab Vocab::build(const std::vector<std::string>& texts, const Tokenizer& tokenizer, std::int64_t min_frequency) {
  std::vector<std::vector<std::string>> tokenized;
  tokenized.reserve(texts.size());
  for (const auto& text : texts) tokenized.push_back(tokenizer.tokenize(text));
  return build(tokenized, min_frequency);
}

}  // namespace heed::data
