// models/core/aggregation.h: the KPL aggregated-record codec. Data crosses as bytes; partition
// and explicit hash keys as bytes too (the facade decodes them), so malformed aggregates can
// never make the binding raise UnicodeDecodeError.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.h"
#include "models/core/aggregation.h"

namespace kinesim::python {

namespace {

py::object optional_bytes(const std::optional<std::string>& value) {
  if (!value) return py::none();
  return py::bytes(*value);
}

core::DeaggregateMode parse_mode(std::string_view mode) {
  if (mode == "strict") return core::DeaggregateMode::kStrict;
  if (mode == "kcl") return core::DeaggregateMode::kKcl;
  throw py::value_error("mode must be 'strict' or 'kcl', got '" + std::string(mode) + "'");
}

}  // namespace

void register_aggregation(py::module_& m) {
  m.attr("AGGREGATION_MAGIC") = py::bytes("\xF3\x89\x9A\xC2", core::kAggregationMagicSize);
  m.attr("KPL_AGGREGATION_MAX_SIZE") = core::kKplAggregationMaxSize;
  m.attr("DEFAULT_AGGREGATE_MAX_SIZE") = core::kDefaultAggregateMaxSize;

  m.def(
      "aggregate",
      [](const py::sequence& records, std::size_t max_size, uint64_t max_count) {
        // records: sequence of (partition_key, explicit_hash_key | None, data), each str or bytes.
        std::vector<core::UserRecord> input;
        input.reserve(records.size());
        for (const py::handle item : records) {
          const auto fields = py::reinterpret_borrow<py::sequence>(item);
          if (fields.size() != 3) {
            throw py::value_error("each record must be (partition_key, explicit_hash_key, data)");
          }
          core::UserRecord record;
          record.partition_key = std::string(bytes_view(fields[0], "partition_key"));
          const py::object ehk = fields[1];
          if (!ehk.is_none()) record.explicit_hash_key = bytes_view(ehk, "explicit_hash_key");
          record.data = std::string(bytes_view(fields[2], "data"));
          input.push_back(std::move(record));
        }
        std::vector<core::KinesisRecord> output;
        {
          const py::gil_scoped_release release;
          output = core::aggregate(input, max_size, max_count);
        }
        py::list out;
        for (const core::KinesisRecord& record : output) {
          out.append(py::make_tuple(py::bytes(record.partition_key),
                                    optional_bytes(record.explicit_hash_key),
                                    py::bytes(record.data), record.user_record_count,
                                    record.aggregated));
        }
        return out;
      },
      py::arg("records"), py::arg("max_size") = core::kDefaultAggregateMaxSize,
      py::arg("max_count") = uint64_t{UINT32_MAX},
      "Encodes (pk, ehk, data) records into Kinesis records "
      "(pk, ehk, data, user_record_count, aggregated).");

  m.def(
      "is_aggregated", [](py::bytes data) { return core::is_aggregated(bytes_view(data, "data")); },
      py::arg("data"));

  m.def(
      "deaggregate",
      [](py::bytes data, py::handle partition_key, py::handle explicit_hash_key,
         std::string_view mode) {
        const std::string_view bytes = bytes_view(data, "data");
        const std::string_view key = bytes_view(partition_key, "partition_key");
        std::optional<std::string> ehk;
        if (!explicit_hash_key.is_none()) {
          ehk = std::string(bytes_view(explicit_hash_key, "explicit_hash_key"));
        }
        const core::DeaggregateMode parsed_mode = parse_mode(mode);
        std::vector<core::DeaggregatedRecord> output;
        {
          const py::gil_scoped_release release;
          output = core::deaggregate(bytes, key, ehk ? &*ehk : nullptr, parsed_mode);
        }
        py::list out;
        for (const core::DeaggregatedRecord& record : output) {
          out.append(py::make_tuple(py::bytes(record.partition_key),
                                    optional_bytes(record.explicit_hash_key),
                                    py::bytes(record.data), record.sub_sequence_number));
        }
        return out;
      },
      py::arg("data"), py::arg("partition_key") = py::bytes(),
      py::arg("explicit_hash_key") = py::none(), py::arg("mode") = "strict",
      "Decodes a Kinesis record into (pk, ehk, data, sub_sequence_number) user records.");
}

}  // namespace kinesim::python
