// Hash keys and the conversions every binding shares: models/core/uint128.h and hash_key.h, and
// the translation of the core's exceptions into kinesim.KinesisError / kinesim.CodecError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "bindings.h"
#include "models/core/errors.h"
#include "models/scenario/loader.h"
#include "models/core/hash_key.h"
#include "models/core/uint128.h"

namespace kinesim::python {

py::int_ to_pyint(core::uint128 value) {
  const py::int_ high(static_cast<uint64_t>(value >> 64));
  const py::int_ low(static_cast<uint64_t>(value));
  return py::int_((high << py::int_(64)) | low);
}

core::uint128 from_pyint(py::handle value, const char* what) {
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) {
    throw py::type_error(std::string(what) + " must be an int, not " +
                         std::string(py::str(py::type::handle_of(value).attr("__name__"))));
  }
  const auto as_int = py::reinterpret_borrow<py::int_>(value);
  const py::object above = as_int >> py::int_(128);
  if (as_int < py::int_(0) || PyObject_IsTrue(above.ptr()) != 0) {
    throw py::value_error(std::string(what) + " must be in 0 ... 2**128-1, got " +
                          std::string(py::str(value)));
  }
  const auto low = static_cast<uint64_t>(PyLong_AsUnsignedLongLongMask(value.ptr()));
  const py::int_ high_obj(as_int >> py::int_(64));
  const auto high = static_cast<uint64_t>(PyLong_AsUnsignedLongLong(high_obj.ptr()));
  if (PyErr_Occurred() != nullptr) throw py::error_already_set();
  return (static_cast<core::uint128>(high) << 64) | low;
}

std::string_view bytes_view(py::handle value, const char* what) {
  if (PyBytes_Check(value.ptr())) {
    char* buffer = nullptr;
    Py_ssize_t size = 0;
    if (PyBytes_AsStringAndSize(value.ptr(), &buffer, &size) != 0) throw py::error_already_set();
    return {buffer, static_cast<std::size_t>(size)};
  }
  if (PyUnicode_Check(value.ptr())) {
    Py_ssize_t size = 0;
    const char* buffer = PyUnicode_AsUTF8AndSize(value.ptr(), &size);  // cached on the str
    if (buffer == nullptr) throw py::error_already_set();
    return {buffer, static_cast<std::size_t>(size)};
  }
  throw py::type_error(std::string(what) + " must be str or bytes, not " +
                       std::string(py::str(py::type::handle_of(value).attr("__name__"))));
}

namespace {

// Raises kinesim._errors.<class_name>(*args). The classes live in Python so that they have a
// readable __init__, pickle across sweep workers and can be raised by the facade too.
void set_python_error(const char* class_name, const py::tuple& args) {
  try {
    const py::object cls = py::module_::import("kinesim._errors").attr(class_name);
    const py::object error = cls(*args);
    PyErr_SetObject(cls.ptr(), error.ptr());
  } catch (py::error_already_set& failure) {
    failure.restore();  // e.g. kinesim._errors not importable: report that instead
  }
}

}  // namespace

void register_errors(py::module_& /*m*/) {
  py::register_exception_translator([](std::exception_ptr pending) {
    try {
      if (pending) std::rethrow_exception(pending);
    } catch (const core::KinesisError& e) {
      set_python_error("KinesisError", py::make_tuple(e.name(), e.message()));
    } catch (const core::CodecError& e) {
      set_python_error("CodecError", py::make_tuple(std::string(e.what())));
    } catch (const models::ScenarioError& e) {
      py::list issues;
      for (const models::ScenarioIssue& i : e.issues()) issues.append(py::make_tuple(i.path, i.message));
      set_python_error("ScenarioError", py::make_tuple(issues));
    }
  });
}

void register_core_hash(py::module_& m) {
  m.attr("MAX_HASH_KEY") = to_pyint(core::kMaxHashKey);

  m.def(
      "hash_key",
      [](py::handle partition_key) {
        return to_pyint(core::hash_key(bytes_view(partition_key, "partition_key")));
      },
      py::arg("partition_key"),
      "MD5 of the partition key's UTF-8 bytes as a big-endian 128-bit int (no validation).");

  m.def(
      "validate_partition_key",
      [](py::handle partition_key) {
        core::validate_partition_key(bytes_view(partition_key, "partition_key"));
      },
      py::arg("partition_key"),
      "Raises KinesisError(ValidationException) unless 1 ... 256 characters of valid UTF-8.");

  m.def(
      "parse_explicit_hash_key",
      [](std::string_view text) { return to_pyint(core::parse_explicit_hash_key(text)); },
      py::arg("explicit_hash_key"),
      "Decimal ExplicitHashKey -> int; KinesisError(InvalidArgumentException) when invalid.");

  m.def(
      "routing_hash_key",
      [](py::handle partition_key, std::optional<std::string> explicit_hash_key) {
        const std::string_view key = bytes_view(partition_key, "partition_key");
        return to_pyint(core::routing_hash_key(
            key, explicit_hash_key ? &*explicit_hash_key : nullptr));
      },
      py::arg("partition_key"), py::arg("explicit_hash_key") = py::none(),
      "The hash key PutRecord routes by: the explicit hash key if given, else the key's MD5.");

  m.def(
      "to_decimal", [](py::handle value) { return core::to_decimal(from_pyint(value, "value")); },
      py::arg("value"));

  m.def(
      "parse_decimal",
      [](std::string_view text) -> std::optional<py::int_> {
        const auto parsed = core::parse_decimal(text);
        if (!parsed) return std::nullopt;
        return to_pyint(*parsed);
      },
      py::arg("text"), "Strict decimal parse of 0 ... 2**128-1; None when malformed.");
}

}  // namespace kinesim::python
