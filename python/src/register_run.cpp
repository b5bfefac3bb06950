// Scenarios from Python: validate, run (with the GIL released and a progress callback), and
// the result's renderings. Binds models/world.h, models/report.h and models/scenario/loader.h.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "bindings.h"
#include "models/report/report.h"
#include "models/scenario/loader.h"
#include "models/world/world.h"

namespace kinesim::python {
namespace {

using models::Result;

std::optional<sim::Duration> parse_resolution(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  const std::optional<sim::Duration> d = models::parse_duration(*text);
  if (!d || *d <= sim::Duration() || sim::Duration::seconds(60) % *d != sim::Duration()) {
    throw models::ScenarioError({{"resolution", "got \"" + *text +
                                                    "\", expected a duration that divides 60s, "
                                                    "like \"1s\" or \"1m\""}});
  }
  return d;
}

// A run's result, shared with Python; the C++ Result stays immutable after the run.
struct PyResult {
  std::shared_ptr<const Result> result;
};

py::array_t<double> matrix_to_numpy(const Eigen::Ref<const Eigen::MatrixXd>& m) {
  py::array_t<double> out({m.rows(), m.cols()});
  auto view = out.mutable_unchecked<2>();
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    for (Eigen::Index c = 0; c < m.cols(); ++c) view(r, c) = m(r, c);
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
      .def_property_readonly("resolution_seconds",
                             [](const PyResult& r) { return r.result->resolution.to_seconds(); })
      .def_property_readonly("counter_names",
                             [](const PyResult& r) { return r.result->metrics->counter_names(); })
      .def_property_readonly("gauge_names",
                             [](const PyResult& r) { return r.result->metrics->gauge_names(); })
      .def(
          "counter_matrix",
          [](const PyResult& r) { return matrix_to_numpy(r.result->metrics->counter_sums(0)); },
          "Counters: one row per name in counter_names, one column per resolution bucket.")
      .def(
          "gauge_matrix",
          [](const PyResult& r) { return matrix_to_numpy(r.result->metrics->gauge_last(0)); },
          "Gauges (last value in each bucket, NaN where unset).")
      .def_property_readonly("events_run", [](const PyResult& r) { return r.result->events_run; });

  m.def(
      "validate_scenario",
      [](const std::string& text, const std::string& base_dir) {
        const models::Scenario s = models::load_scenario_text(text, base_dir);
        models::check_scenario(s);
        return s.name;
      },
      py::arg("text"), py::arg("base_dir") = "",
      "Validates a scenario document; returns its name or raises ScenarioError.");

  m.def(
      "run_scenario",
      [](const std::string& text, const std::string& base_dir, std::optional<uint64_t> seed,
         std::optional<std::string> resolution, py::object progress) {
        const models::Scenario scenario = models::load_scenario_text(text, base_dir);
        models::RunOptions options;
        options.seed = seed;
        options.resolution = parse_resolution(resolution);
        if (!progress.is_none()) {
          options.progress = [progress](double done) {
            py::gil_scoped_acquire acquire;
            progress(done);  // may raise (e.g. KeyboardInterrupt): the run stops
          };
        }
        auto result = std::make_shared<Result>();
        {
          py::gil_scoped_release release;
          *result = models::run_scenario(scenario, options);
        }
        return PyResult{std::move(result)};
      },
      py::arg("text"), py::arg("base_dir") = "", py::arg("seed") = py::none(),
      py::arg("resolution") = py::none(), py::arg("progress") = py::none(),
      "Runs a scenario document (JSON text); returns a RunResult.");
}

}  // namespace kinesim::python
