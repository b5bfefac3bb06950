#include "models/scenario/json_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kinesim::models::scenario_json {
namespace {

// Long strings are shortened in messages: the path already says where the value is.
constexpr std::size_t kMaxQuoted = 60;

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  const auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (key[0] >= '0' && key[0] <= '9') return false;
  return std::all_of(key.begin(), key.end(), word_char);
}

// Lower case without separators, so that snake_case, camelCase and PascalCase spellings of the
// same words compare equal.
std::string fold_case_style(std::string_view word) {
  std::string out;
  for (const char c : word) {
    if (c == '_' || c == '-' || c == ' ') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

bool contains(KeyList list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

std::string integer_expectation(uint64_t lo, uint64_t hi) {
  if (hi == std::numeric_limits<uint64_t>::max()) {
    return "an integer >= " + std::to_string(lo);
  }
  return "an integer " + std::to_string(lo) + ".." + std::to_string(hi);
}

std::string size_expectation(uint64_t lo, uint64_t hi) {
  if (hi == std::numeric_limits<uint64_t>::max()) return "a size >= " + format_size(lo);
  return "a size " + format_size(lo) + ".." + format_size(hi);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows suffice for the transposition rule, which looks two characters back.
  std::vector<std::size_t> two_back(b.size() + 1);
  std::vector<std::size_t> back(b.size() + 1);
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) back[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({back[j] + 1, row[j - 1] + 1, back[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, back);
    std::swap(back, row);
  }
  return back[b.size()];
}

std::optional<std::string_view> did_you_mean(std::string_view word, KeyList allowed) {
  // The same words in another case style: "record_ttl" for the KPL's "RecordTtl", or
  // "maxBufferAgeMillis" typed as "max_buffer_age_millis".
  const std::string folded = fold_case_style(word);
  for (const std::string_view candidate : allowed) {
    if (!folded.empty() && fold_case_style(candidate) == folded) return candidate;
  }
  // Two edits on a two-letter word would suggest almost anything, so short words get one.
  const std::size_t max_distance = std::clamp<std::size_t>(word.size() / 2, 1, 2);
  std::optional<std::string_view> best;
  std::size_t best_distance = max_distance + 1;
  for (const std::string_view candidate : allowed) {
    const std::size_t gap = candidate.size() > word.size() ? candidate.size() - word.size()
                                                           : word.size() - candidate.size();
    if (gap > max_distance) continue;  // the distance is at least the length difference
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  if (best) return best;
  if (word.size() < 3) return std::nullopt;
  for (const std::string_view candidate : allowed) {
    if (candidate.starts_with(word) || word.starts_with(candidate)) return candidate;
  }
  return std::nullopt;
}

std::string quote(std::string_view text) {
  std::string shown(text);
  if (text.size() > kMaxQuoted) {
    std::size_t cut = kMaxQuoted - 3;
    // Back up to a code point boundary so the shortened text stays valid UTF-8.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    shown = std::string(text.substr(0, cut)) + "...";
  }
  return Json(shown).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string quote_list(KeyList words) {
  std::string out;
  for (const std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += quote(w);
  }
  return out;
}

std::string render(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "{...}";
    case Json::value_t::array:
      return "[...]";
    case Json::value_t::string:
      return quote(value.get_ref<const std::string&>());
    case Json::value_t::binary:
      return "<binary>";
    case Json::value_t::discarded:
      return "<discarded>";
    default:
      return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

std::string key_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key)) return parent + "." + std::string(key);
  return parent + "[" + quote(key) + "]";
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::string format_size(uint64_t bytes) {
  static constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}};
  for (const auto& [factor, name] : kUnits) {
    if (bytes >= factor && bytes % factor == 0) return std::to_string(bytes / factor) + name;
  }
  return std::to_string(bytes) + "B";
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void IssueList::add(std::string path, std::string message) {
  issues_.push_back({std::move(path), std::move(message)});
}

void IssueList::got(const std::string& path, const Json& value, std::string_view expected) {
  add(path, "got " + render(value) + ", expected " + std::string(expected));
}

void IssueList::missing(const std::string& path, std::string_view expected) {
  add(path, "missing, expected " + std::string(expected));
}

std::vector<ScenarioIssue> IssueList::take() {
  std::vector<ScenarioIssue> out = std::move(issues_);
  issues_.clear();
  return out;
}

std::optional<std::string> read_string(IssueList& issues, const Json* value,
                                       const std::string& path, Need need,
                                       std::string_view expected,
                                       const std::function<bool(const std::string&)>& ok) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, expected);
    return std::nullopt;
  }
  if (!value->is_string() || (ok && !ok(value->get_ref<const std::string&>()))) {
    issues.got(path, *value, expected);
    return std::nullopt;
  }
  return value->get_ref<const std::string&>();
}

std::optional<uint64_t> read_integer(IssueList& issues, const Json* value, const std::string& path,
                                     Need need, uint64_t lo, uint64_t hi) {
  const std::string expected = integer_expectation(lo, hi);
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, expected);
    return std::nullopt;
  }
  std::optional<uint64_t> n;
  if (value->is_number_unsigned()) {
    n = value->get<uint64_t>();
  } else if (value->is_number_integer()) {
    const auto i = value->get<int64_t>();
    if (i >= 0) n = static_cast<uint64_t>(i);
  } else if (value->is_number_float()) {
    // 2^64 as a double; every integral double below it converts exactly.
    constexpr double kTwoPow64 = 18446744073709551616.0;
    const auto d = value->get<double>();
    if (std::isfinite(d) && d >= 0 && d < kTwoPow64 && std::floor(d) == d) {
      n = static_cast<uint64_t>(d);
    }
  }
  if (!n || *n < lo || *n > hi) {
    // A whole number beyond 2^64 - 1 is above every bound, stated or not: name the largest.
    const bool too_large = !n && value->is_number_float() && value->get<double>() > 0 &&
                           std::floor(value->get<double>()) == value->get<double>();
    issues.got(path, *value,
               too_large && hi == std::numeric_limits<uint64_t>::max()
                   ? "an integer " + std::to_string(lo) + ".." + std::to_string(hi)
                   : expected);
    return std::nullopt;
  }
  return n;
}

std::optional<double> read_number(IssueList& issues, const Json* value, const std::string& path,
                                  Need need, const std::function<bool(double)>& ok,
                                  std::string_view expected) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, expected);
    return std::nullopt;
  }
  if (!value->is_number()) {
    issues.got(path, *value, expected);
    return std::nullopt;
  }
  const auto x = value->get<double>();
  if (!std::isfinite(x) || (ok && !ok(x))) {
    issues.got(path, *value, expected);
    return std::nullopt;
  }
  return x;
}

std::optional<bool> read_bool(IssueList& issues, const Json* value, const std::string& path,
                              Need need) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, "true or false");
    return std::nullopt;
  }
  if (!value->is_boolean()) {
    issues.got(path, *value, "true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<sim::Duration> read_duration(IssueList& issues, const Json* value,
                                           const std::string& path, Need need,
                                           const std::function<bool(sim::Duration)>& ok,
                                           std::string_view expected) {
  if (value == nullptr) {
    if (need == Need::kRequired)
      issues.missing(path, expected.empty() ? kDurationExpected : expected);
    return std::nullopt;
  }
  std::optional<sim::Duration> d;
  if (value->is_string()) d = parse_duration(value->get_ref<const std::string&>());
  if (!d) {
    issues.got(path, *value, kDurationExpected);
    return std::nullopt;
  }
  if (ok && !ok(*d)) {
    issues.got(path, *value, expected);
    return std::nullopt;
  }
  return d;
}

std::optional<uint64_t> read_size(IssueList& issues, const Json* value, const std::string& path,
                                  Need need, uint64_t lo, uint64_t hi) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, kSizeExpected);
    return std::nullopt;
  }
  std::optional<uint64_t> bytes;
  if (value->is_string()) {
    bytes = parse_size(value->get_ref<const std::string&>());
  } else if (value->is_number()) {
    IssueList ignored;  // a bad number gets the size message below, not the integer one
    bytes = read_integer(ignored, value, path, Need::kRequired, 0,
                         std::numeric_limits<uint64_t>::max());
  }
  if (!bytes) {
    issues.got(path, *value, kSizeExpected);
    return std::nullopt;
  }
  if (*bytes < lo || *bytes > hi) {
    issues.got(path, *value, size_expectation(lo, hi));
    return std::nullopt;
  }
  return bytes;
}

std::optional<std::size_t> read_choice(IssueList& issues, const Json* value,
                                       const std::string& path, Need need, KeyList names) {
  const std::string expected = "one of " + quote_list(names);
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, expected);
    return std::nullopt;
  }
  if (value->is_string()) {
    const auto& s = value->get_ref<const std::string&>();
    const auto it = std::find(names.begin(), names.end(), s);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    if (const auto suggestion = did_you_mean(s, names)) {
      issues.got(path, *value, expected + "; did you mean " + quote(*suggestion) + "?");
      return std::nullopt;
    }
  }
  issues.got(path, *value, expected);
  return std::nullopt;
}

const Json* read_object(IssueList& issues, const Json* value, const std::string& path, Need need) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, "an object");
    return nullptr;
  }
  if (!value->is_object()) {
    issues.got(path, *value, "an object");
    return nullptr;
  }
  return value;
}

const Json* read_array(IssueList& issues, const Json* value, const std::string& path, Need need) {
  if (value == nullptr) {
    if (need == Need::kRequired) issues.missing(path, "an array");
    return nullptr;
  }
  if (!value->is_array()) {
    issues.got(path, *value, "an array");
    return nullptr;
  }
  return value;
}

ObjectReader::ObjectReader(IssueList& issues, const Json& node, std::string path, KeyList allowed)
    : issues_(&issues), path_(std::move(path)), allowed_(allowed) {
  if (!node.is_object()) {
    issues.got(path_, node, "an object");
    return;
  }
  object_ = &node;
  for (const auto& item : node.items()) {
    const std::string& key = item.key();
    if (contains(allowed, key)) continue;
    std::string message = "unknown key " + quote(key);
    if (const auto suggestion = did_you_mean(key, allowed)) {
      message += "; did you mean " + quote(*suggestion) + "?";
    } else {
      message += "; expected one of " + quote_list(allowed);
    }
    issues.add(key_path(path_, key), std::move(message));
  }
}

const Json* ObjectReader::find(std::string_view key) const {
  if (object_ == nullptr) return nullptr;
  const auto it = object_->find(std::string(key));
  return it == object_->end() ? nullptr : &*it;
}

void ObjectReader::reject_keys_outside(KeyList applicable, std::string_view variant) const {
  if (object_ == nullptr) return;
  for (const auto& item : object_->items()) {
    const std::string& key = item.key();
    if (!contains(allowed_, key) || contains(applicable, key)) continue;  // unknown: reported
    issues_->add(key_path(path_, key), "key " + quote(key) + " does not apply to " +
                                           std::string(variant) + "; it takes " +
                                           quote_list(applicable));
  }
}

}  // namespace kinesim::models::scenario_json
