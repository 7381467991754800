// NamedRegistry: a list of named factories, so an experiment picks a layer by
// a flag. heed keeps four: sequence attention (layers/attention/registry.h),
// Transformer attention (layers/attention/transformer_registry.h),
// positional encodings (layers/position/registry.h) and vision attention
// (layers/vision/registry.h).
//
//   NamedRegistry<Product, Args...> holds {name, description, factory} rows;
//   make(name, args...) calls the factory; an unknown name is an error that
//   lists every registered name, so a typo on the command line is easy to fix.
//
// The built-in rows come from one function in each registry's .cpp file, not
// from static registrar objects in each variant's file: heed is a static
// library, and the linker drops an object file nothing refers to, registrar
// and all. Programs add their own rows at run time with add().
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace heed {

template <typename Product, typename... Args>
class NamedRegistry {
 public:
  using Factory = std::function<std::shared_ptr<Product>(Args...)>;
  struct Entry {
    std::string name;
    std::string description;
    Factory factory;
  };

  // what: the kind of thing listed, for messages ("sequence attention").
  NamedRegistry(std::string what, std::vector<Entry> builtins) : what_(std::move(what)) {
    for (auto& e : builtins) add(std::move(e.name), std::move(e.description), std::move(e.factory));
  }

  // Adds a row; an empty name, a missing factory or a name already taken is an error.
  void add(std::string name, std::string description, Factory factory) {
    HEED_CHECK(!name.empty() && factory, "register ", what_, ": needs a name and a factory");
    std::lock_guard lock(mutex_);
    for (const Entry& e : entries_)
      HEED_CHECK(e.name != name, "register ", what_, ": the name '", name, "' is already registered");
    entries_.push_back({std::move(name), std::move(description), std::move(factory)});
  }

  std::shared_ptr<Product> make(const std::string& name, Args... args) const {
    Factory factory;
    {
      std::lock_guard lock(mutex_);
      factory = find(name).factory;
    }
    return factory(std::forward<Args>(args)...);
  }

  bool contains(const std::string& name) const {
    std::lock_guard lock(mutex_);
    for (const Entry& e : entries_)
      if (e.name == name) return true;
    return false;
  }

  std::vector<std::string> names() const {  // in registration order
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
  }

  std::string description(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return find(name).description;
  }

  // Throws the "unknown name" error unless the name is registered.
  void check_known(const std::string& name) const {
    std::lock_guard lock(mutex_);
    (void)find(name);
  }

 private:
  const Entry& find(const std::string& name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return e;
    std::string known;
    for (const Entry& e : entries_) known += (known.empty() ? "" : ", ") + e.name;
    detail::fail("no ", what_, " named '", name, "'; the registered ones are: ", known);
  }

  std::string what_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace heed
