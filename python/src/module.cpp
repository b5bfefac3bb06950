// kinesim._core: the C++ core seen from Python. This file is the table of contents; each
// register_*.cpp binds one header of models/core and nothing else. The public, typed API is the
// Python package kinesim (python/kinesim/__init__.py), a thin facade over this module.
#include <pybind11/pybind11.h>

#include "bindings.h"

#ifndef KINESIM_VERSION_INFO
#define KINESIM_VERSION_INFO "dev"
#endif

PYBIND11_MODULE(_core, m) {
  m.doc() = "Private C++ core of kinesim; use the kinesim package instead.";
  m.attr("__version__") = KINESIM_VERSION_INFO;

  kinesim::python::register_errors(m);       // KinesisError, CodecError -> kinesim._errors
  kinesim::python::register_core_hash(m);    // models/core/uint128.h, hash_key.h
  kinesim::python::register_shard_map(m);    // models/core/shard_map.h
  kinesim::python::register_aggregation(m);  // models/core/aggregation.h
  kinesim::python::register_run(m);          // models/world.h, report.h, scenario/loader.h
}
