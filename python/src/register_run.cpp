// Scenarios from Python: load, run (with the GIL released, a progress callback and Ctrl-C), and
// the result's renderings. Binds models/world/world.h, models/report/report.h and
// models/scenario/loader.h.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <string>

#include "bindings.h"
#include "models/report/report.h"
#include "models/report/report_stats.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"

namespace kinesim::python {
namespace {

using models::Result;

std::optional<sim::Duration> parse_resolution(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const std::optional<sim::Duration> d = models::parse_duration(*text);
  if (!d || !models::valid_resolution(*d)) {
    throw models::ScenarioError({{"resolution", "got \"" + *text + "\", expected " +
                                                    std::string(models::kResolutionExpected)}});
  }
  return d;
}

// A run's result, shared with Python; the C++ Result stays immutable after the run.
struct PyResult {
  std::shared_ptr<const Result> result;
};

// A loaded scenario, shared with Python, so that a caller parses it once to learn its name and
// run it (a scenario read from a pipe cannot be read twice).
struct PyScenario {
  std::shared_ptr<const models::Scenario> scenario;
};

using Clock = std::chrono::steady_clock;
constexpr auto kAskEvery = std::chrono::milliseconds(50);

// `m` as a (rows x cols) array; columns beyond m's are `fill`.
py::array_t<double> matrix_to_numpy(const Eigen::Ref<const Eigen::MatrixXd>& m, Eigen::Index cols,
                                    double fill) {
  py::array_t<double> out({m.rows(), cols});
  auto view = out.mutable_unchecked<2>();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) view(r, c) = c < m.cols() ? m(r, c) : fill;
  }
  return out;
}

}  // namespace

void register_run(py::module_& m) {
  py::class_<PyResult>(m, "RunResult", "The outcome of one scenario run (immutable).")
      .def("summary_json",
           [](const PyResult& r) { return models::summary_json(*r.result).dump(2) + "\n"; })
      .def("human_summary", [](const PyResult& r) { return models::human_summary(*r.result); })
      .def("headline", [](const PyResult& r) { return models::headline(*r.result); })
      .def(
          "write_outputs",
          [](const PyResult& r, const std::string& dir) {
            py::gil_scoped_release release;
            models::write_outputs(*r.result, dir);
          },
          py::arg("dir"))
      .def("metrics_stream_csv",
           [](const PyResult& r) { return models::metrics_stream_csv(*r.result); })
      .def("metrics_shards_csv",
           [](const PyResult& r) { return models::metrics_shards_csv(*r.result); })
      .def("metrics_producers_csv",
           [](const PyResult& r) { return models::metrics_producers_csv(*r.result); })
      .def("metrics_consumers_csv",
           [](const PyResult& r) { return models::metrics_consumers_csv(*r.result); })
      .def("timeline_csv", [](const PyResult& r) { return models::timeline_csv(*r.result); })
      // Divided, not multiplied by 1e-9: the correctly rounded quotient, so 60 s is 60.0.
      .def_property_readonly("resolution_seconds",
                             [](const PyResult& r) {
                               return static_cast<double>(r.result->resolution.count_nanos()) / 1e9;
                             })
      .def_property_readonly(
          "resolution_nanos", [](const PyResult& r) { return r.result->resolution.count_nanos(); },
          "The bucket width in integer nanoseconds (exact, for time indexes).")
      .def_property_readonly("counter_names",
                             [](const PyResult& r) { return r.result->metrics->counter_names(); })
      .def_property_readonly("gauge_names",
                             [](const PyResult& r) { return r.result->metrics->gauge_names(); })
      .def(
          "counter_matrix",
          [](const PyResult& r) {
            return matrix_to_numpy(r.result->metrics->counter_sums(0),
                                   models::bucket_count(*r.result), 0.0);
          },
          "Counters: one row per name in counter_names, one column per bucket (as the CSVs).")
      .def(
          "gauge_matrix",
          [](const PyResult& r) {
            py::array_t<double> out = matrix_to_numpy(
                r.result->metrics->gauge_last(0), models::bucket_count(*r.result), std::nan(""));
            // OpenShardCount holds between changes: every bucket has a value, as in the CSV.
            const auto& names = r.result->metrics->gauge_names();
            const std::string open = r.result->stream.name + "/OpenShardCount";
            for (std::size_t row = 0; row < names.size(); ++row) {
              if (names[row] != open) continue;
              const std::vector<double> counts = models::open_shard_counts(*r.result);
              auto view = out.mutable_unchecked<2>();
              for (std::size_t c = 0; c < counts.size(); ++c) {
                view(static_cast<py::ssize_t>(row), static_cast<py::ssize_t>(c)) = counts[c];
              }
            }
            return out;
          },
          "Gauges: the last value in each bucket, NaN where unset; OpenShardCount carries its "
          "value into every bucket.")
      .def_property_readonly("events_run", [](const PyResult& r) { return r.result->events_run; });

  py::class_<PyScenario>(m, "Scenario",
                         "A scenario parsed and checked once, ready to run (immutable).")
      .def_property_readonly("name", [](const PyScenario& s) { return s.scenario->name; });

  m.def(
      "load_scenario",
      [](const std::string& text, const std::string& base_dir) {
        auto s = std::make_shared<models::Scenario>(models::load_scenario_text(text, base_dir));
        models::check_scenario(*s);
        return PyScenario{std::move(s)};
      },
      py::arg("text"), py::arg("base_dir") = "",
      "Parses and checks a scenario document (JSON text); raises ScenarioError listing every "
      "issue.");

  m.def(
      "resolution_ok",
      [](const std::string& text) {
        try {
          parse_resolution(text);
          return true;
        } catch (const models::ScenarioError&) {
          return false;
        }
      },
      py::arg("text"),
      "Whether run_scenario takes `text` as its resolution: at least 1 ms, dividing 60 s.");

  m.def(
      "run_scenario",
      [](const PyScenario& scenario, std::optional<uint64_t> seed,
         std::optional<std::string> resolution, py::object progress,
         std::optional<std::string> fidelity, uint32_t threads) {
        models::RunOptions options;
        options.seed = seed;
        options.threads = threads;
        if (fidelity) {
          if (*fidelity != "exact" && *fidelity != "fast") {
            throw py::value_error("fidelity: expected \"exact\" or \"fast\", got \"" + *fidelity +
                                  "\"");
          }
          options.fidelity =
              *fidelity == "fast" ? models::Fidelity::kFast : models::Fidelity::kExact;
        }
        options.resolution = parse_resolution(resolution);
        options.progress = [progress, asked = Clock::now()](double done) mutable {
          // Python is asked at most every kAskEvery of wall time, and at the end: often enough
          // for Ctrl-C to stop the run within a second, rarely enough to cost nothing.
          const Clock::time_point now = Clock::now();
          if (done < 1.0 && now - asked < kAskEvery) return;
          asked = now;
          py::gil_scoped_acquire acquire;
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // KeyboardInterrupt
          if (!progress.is_none()) progress(done);  // may raise too: the run stops
        };
        auto result = std::make_shared<Result>();
        {
          py::gil_scoped_release release;
          *result = models::run_scenario(*scenario.scenario, options);
        }
        return PyResult{std::move(result)};
      },
      py::arg("scenario"), py::arg("seed") = py::none(), py::arg("resolution") = py::none(),
      py::arg("progress") = py::none(), py::arg("fidelity") = py::none(), py::arg("threads") = 0,
      "Runs a loaded scenario; returns a RunResult. `fidelity` (\"exact\" or \"fast\") overrides "
      "the scenario's; `threads` caps the threads (0: two where the machine has two or more cores; "
      "the result is the same). Raises KeyboardInterrupt on Ctrl-C.");
}

}  // namespace kinesim::python
