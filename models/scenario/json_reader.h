// Typed, path-aware reads from a nlohmann::json tree for the scenario loader. Every read that
// fails records a ScenarioIssue ("<path>: got <value>, expected <what>") and returns nullopt, so
// the loader goes on and reports every problem of a document at once. Nothing here throws:
// nodes are type-checked before each access and values are rendered without exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/scenario/loader.h"
#include "sim/time.h"

namespace kinesim::models::scenario_json {

using Json = nlohmann::json;
using KeyList = std::span<const std::string_view>;

inline constexpr std::string_view kDurationExpected =
    R"(a duration with a unit like "250ms", "30s", "1h")";
inline constexpr std::string_view kSizeExpected =
    R"(a size like "512KiB", "1MiB", "100B" or a whole number of bytes)";

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The allowed word that differs from `word` only in case style ("record_ttl" -> "RecordTtl"),
// else the closest within distance 2, else one that extends or is extended by `word`; nullopt
// if none. Ties go to the earlier entry of `allowed`.
std::optional<std::string_view> did_you_mean(std::string_view word, KeyList allowed);

// A JSON value as it appears in a message: scalars as JSON text (long ones shortened), objects
// and arrays as {...} and [...] so a deep value is never rendered recursively.
std::string render(const Json& value);
// `text` as a JSON string literal, shortened if long.
std::string quote(std::string_view text);
// `"a", "b", "c"`.
std::string quote_list(KeyList words);
// "$.stream" + "shards" -> "$.stream.shards"; keys that are not identifiers become ["..."].
std::string key_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);
// 5242880 -> "5MiB", 1500 -> "1500B": sizes in the units a user would write.
std::string format_size(uint64_t bytes);
// Code points of UTF-8 text (partition keys are limited in characters, not bytes).
std::size_t utf8_length(std::string_view text);

enum class Need : uint8_t { kOptional, kRequired };

// The issues of one document, in the order found. Every one is kept: a user fixes them all in
// one pass, and a document cannot hold more issues than it has values.
class IssueList {
 public:
  void add(std::string path, std::string message);
  // "<path>: got <value>, expected <expected>"
  void got(const std::string& path, const Json& value, std::string_view expected);
  void missing(const std::string& path, std::string_view expected);
  std::size_t size() const { return issues_.size(); }
  bool empty() const { return size() == 0; }
  std::vector<ScenarioIssue> take();

 private:
  std::vector<ScenarioIssue> issues_;
};

// Readers of one value at `path`; `value` is nullptr when the key is absent. Each returns nullopt
// when absent (recording "missing" if required) or invalid (recording what was wrong).
std::optional<std::string> read_string(IssueList& issues, const Json* value,
                                       const std::string& path, Need need,
                                       std::string_view expected,
                                       const std::function<bool(const std::string&)>& ok = {});
// An integer in [lo, hi]; integral floats such as 1e6 are accepted.
std::optional<uint64_t> read_integer(IssueList& issues, const Json* value, const std::string& path,
                                     Need need, uint64_t lo, uint64_t hi);
std::optional<double> read_number(IssueList& issues, const Json* value, const std::string& path,
                                  Need need, const std::function<bool(double)>& ok,
                                  std::string_view expected);
std::optional<bool> read_bool(IssueList& issues, const Json* value, const std::string& path,
                              Need need);
// A duration string; `ok` and `expected` state the allowed range ("a duration > 0").
std::optional<sim::Duration> read_duration(IssueList& issues, const Json* value,
                                           const std::string& path, Need need,
                                           const std::function<bool(sim::Duration)>& ok = {},
                                           std::string_view expected = {});
// A size string or a whole number of bytes, in [lo, hi].
std::optional<uint64_t> read_size(IssueList& issues, const Json* value, const std::string& path,
                                  Need need, uint64_t lo, uint64_t hi);
// One of `names`, returned as its index; suggests the closest name when misspelt.
std::optional<std::size_t> read_choice(IssueList& issues, const Json* value,
                                       const std::string& path, Need need, KeyList names);
// The node itself if it is an object (or an array), else nullptr with an issue.
const Json* read_object(IssueList& issues, const Json* value, const std::string& path, Need need);
const Json* read_array(IssueList& issues, const Json* value, const std::string& path, Need need);

// One JSON object read against its table of allowed keys. Constructing it reports a non-object
// node and every unknown key (with a did-you-mean); the typed readers then take a key name.
class ObjectReader {
 public:
  ObjectReader(IssueList& issues, const Json& node, std::string path, KeyList allowed);

  bool valid() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const { return key_path(path_, key); }
  const Json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  IssueList& issues() const { return *issues_; }
  // Reports keys that are allowed in general but not in this variant, e.g. "sigma" with
  // dist "fixed": `variant` names it ("dist \"fixed\"").
  void reject_keys_outside(KeyList applicable, std::string_view variant) const;

  std::optional<std::string> string(std::string_view key, Need need, std::string_view expected,
                                    const std::function<bool(const std::string&)>& ok = {}) const {
    return read_string(*issues_, find(key), path(key), need, expected, ok);
  }
  std::optional<uint64_t> integer(std::string_view key, Need need, uint64_t lo, uint64_t hi) const {
    return read_integer(*issues_, find(key), path(key), need, lo, hi);
  }
  std::optional<double> number(std::string_view key, Need need,
                               const std::function<bool(double)>& ok,
                               std::string_view expected) const {
    return read_number(*issues_, find(key), path(key), need, ok, expected);
  }
  std::optional<bool> boolean(std::string_view key, Need need) const {
    return read_bool(*issues_, find(key), path(key), need);
  }
  std::optional<sim::Duration> duration(std::string_view key, Need need,
                                        const std::function<bool(sim::Duration)>& ok = {},
                                        std::string_view expected = {}) const {
    return read_duration(*issues_, find(key), path(key), need, ok, expected);
  }
  std::optional<uint64_t> size(std::string_view key, Need need, uint64_t lo, uint64_t hi) const {
    return read_size(*issues_, find(key), path(key), need, lo, hi);
  }
  std::optional<std::size_t> choice(std::string_view key, Need need, KeyList names) const {
    return read_choice(*issues_, find(key), path(key), need, names);
  }
  const Json* object(std::string_view key, Need need) const {
    return read_object(*issues_, find(key), path(key), need);
  }
  const Json* array(std::string_view key, Need need) const {
    return read_array(*issues_, find(key), path(key), need);
  }

 private:
  IssueList* issues_;
  const Json* object_ = nullptr;
  std::string path_;
  KeyList allowed_;
};

}  // namespace kinesim::models::scenario_json
