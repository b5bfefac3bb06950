// Bad input: every problem of a scenario (or of a file it names) with the JSON path it is at.
// Its own header at the bottom of the model layers, so that the loader, the workloads that read
// trace files at run time and the world can all throw it without including each other.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kinesim::models {

struct ScenarioIssue {
  std::string path;     // JSON path, e.g. "$.producers[0].rate.records_per_sec"
  std::string message;  // what was found and what was expected
};

// what() is every issue as "<path>: <message>", one per line.
class ScenarioError : public std::runtime_error {
 public:
  explicit ScenarioError(std::vector<ScenarioIssue> issues)
      : std::runtime_error(text(issues)), issues_(std::move(issues)) {}
  const std::vector<ScenarioIssue>& issues() const { return issues_; }

 private:
  static std::string text(const std::vector<ScenarioIssue>& issues) {
    std::string out;
    for (const ScenarioIssue& issue : issues) {
      if (!out.empty()) out += '\n';
      out += issue.path + ": " + issue.message;
    }
    return out;
  }
  std::vector<ScenarioIssue> issues_;
};

}  // namespace kinesim::models
