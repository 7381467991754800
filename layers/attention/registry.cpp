#include "layers/attention/registry.h"

#include <mutex>

#include "layers/attention/additive.h"
#include "layers/attention/none.h"

namespace heed {

namespace {

struct Entry {
  std::string name;
  std::string description;
  SequenceAttentionFactory factory;
};

template <typename Variant>
SequenceAttentionFactory factory_of() {
  return [](const SequenceAttentionConfig& config, Generator& gen) -> std::shared_ptr<SequenceAttention> {
    return std::make_shared<Variant>(config, gen);
  };
}

void add(std::vector<Entry>& entries, const std::string& name, const std::string& description,
         SequenceAttentionFactory factory) {
  for (const Entry& e : entries)
    HEED_CHECK(e.name != name, "register_sequence_attention: the name '", name, "' is already registered");
  entries.push_back({name, description, std::move(factory)});
}

// The built-in variants (CATALOG.md, section S): one line each.
std::vector<Entry> builtin_variants() {
  std::vector<Entry> v;
  add(v, "none", "no attention: the decoder sees only the encoder's final state (S10)", factory_of<NoAttention>());
  add(v, "additive", "Bahdanau 2015: s = v^T tanh(W1 q + W2 k) (S5)", factory_of<AdditiveAttention>());
  return v;
}

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::vector<Entry>& registry() {
  static std::vector<Entry> entries = builtin_variants();
  return entries;
}

std::string known_names(const std::vector<Entry>& entries) {
  std::string names;
  for (const Entry& e : entries) names += (names.empty() ? "" : ", ") + e.name;
  return names;
}

const Entry& find(const std::vector<Entry>& entries, const std::string& name, const char* op) {
  for (const Entry& e : entries)
    if (e.name == name) return e;
  detail::fail(op, ": no sequence attention named '", name, "'; the registered ones are: ", known_names(entries));
}

}  // namespace

void register_sequence_attention(const std::string& name, const std::string& description,
                                 SequenceAttentionFactory factory) {
  HEED_CHECK(!name.empty() && factory, "register_sequence_attention: needs a name and a factory");
  std::lock_guard lock(registry_mutex());
  add(registry(), name, description, std::move(factory));
}

std::shared_ptr<SequenceAttention> make_sequence_attention(const std::string& name,
                                                           const SequenceAttentionConfig& config, Generator& gen) {
  SequenceAttentionFactory factory;
  {
    std::lock_guard lock(registry_mutex());
    factory = find(registry(), name, "make_sequence_attention").factory;
  }
  return factory(config, gen);
}

std::vector<std::string> sequence_attention_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const Entry& e : registry()) names.push_back(e.name);
  return names;
}

std::string sequence_attention_description(const std::string& name) {
  std::lock_guard lock(registry_mutex());
  return find(registry(), name, "sequence_attention_description").description;
}

}  // namespace heed
