// What the scenario-loader tests share: the "path: message" lines of the ScenarioError a
// document throws, and a small scenario around the consumers under test.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "models/errors/scenario_error.h"
#include "models/scenario/loader.h"

namespace kinesim::models::testing {

inline std::vector<std::string> issue_lines(const ScenarioError& e) {
  std::vector<std::string> lines;
  for (const ScenarioIssue& issue : e.issues()) lines.push_back(issue.path + ": " + issue.message);
  return lines;
}

// The issues loading `doc` (relative paths from `base_dir`) throws; fails the test if it loads.
inline std::vector<std::string> issues_of(const nlohmann::json& doc,
                                          const std::string& base_dir = "") {
  try {
    load_scenario(doc, base_dir);
  } catch (const ScenarioError& e) {
    return issue_lines(e);
  }
  ADD_FAILURE() << "no ScenarioError for " << doc.dump();
  return {};
}

// A 10-minute scenario "c" with one small producer "web" and `consumers`.
inline nlohmann::json with_consumers(nlohmann::json consumers) {
  nlohmann::json doc = nlohmann::json::parse(R"({
    "name": "c", "duration": "10m",
    "producers": [{"name": "web", "rate": {"records_per_sec": 10}, "record_size": "1KiB"}]
  })");
  doc["consumers"] = std::move(consumers);
  return doc;
}

// The same for a document given as text.
inline std::vector<std::string> issues_of_text(std::string_view text) {
  try {
    load_scenario_text(text);
  } catch (const ScenarioError& e) {
    return issue_lines(e);
  }
  ADD_FAILURE() << "no ScenarioError for " << text;
  return {};
}

}  // namespace kinesim::models::testing
