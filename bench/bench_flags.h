// What the scenario benchmarks share: `--name value` flags with defaults, and the process's
// peak resident memory.
#pragma once

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

namespace kinesim::bench {

// Flags given as `--name value` pairs; a flag not among the defaults ends the program (exit 2).
class Flags {
 public:
  Flags(int argc, char** argv, std::map<std::string, std::string> defaults)
      : values_(std::move(defaults)) {
    for (int i = 1; i < argc; i += 2) {
      const std::string flag = argv[i];
      const auto it = flag.starts_with("--") ? values_.find(flag.substr(2)) : values_.end();
      if (it == values_.end() || i + 1 >= argc) {
        std::fprintf(stderr, "unknown flag or missing value: %s\n", argv[i]);
        std::exit(2);
      }
      it->second = argv[i + 1];
    }
  }
  const std::string& text(const std::string& name) const { return values_.at(name); }
  double number(const std::string& name) const { return std::stod(values_.at(name)); }
  template <typename Int>
  Int integer(const std::string& name) const {
    return static_cast<Int>(std::stoll(values_.at(name)));
  }

 private:
  std::map<std::string, std::string> values_;
};

inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace kinesim::bench
