// Shared by the binding translation units: the register_* entry points module.cpp calls, and the
// conversions between the core's types and Python's (128-bit hash keys are Python ints).
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "models/core/uint128.h"

namespace kinesim::python {

namespace py = pybind11;

void register_errors(py::module_& m);
void register_core_hash(py::module_& m);
void register_shard_map(py::module_& m);
void register_aggregation(py::module_& m);
void register_run(py::module_& m);

// A 128-bit value as a Python int, built from its two 64-bit halves.
py::int_ to_pyint(core::uint128 value);

// A Python int in 0 ... 2**128-1 as a uint128. TypeError for non-ints (bool included),
// ValueError naming `what` when negative or >= 2**128.
core::uint128 from_pyint(py::handle value, const char* what);

// The bytes of a Python bytes object or the UTF-8 of a str (TypeError otherwise). A view into
// the object: it lives as long as `value` does.
std::string_view bytes_view(py::handle value, const char* what);

}  // namespace kinesim::python
