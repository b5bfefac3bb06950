// models/core/shard_map.h: the shards of one stream, routing and resharding. Shards cross the
// boundary as plain tuples; kinesim.ShardMap turns them into typed objects with shard ids.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings.h"
#include "models/core/shard_map.h"

namespace kinesim::python {

namespace {

// (index, start, end, parent, adjacent_parent, open)
py::tuple shard_tuple(const core::Shard& shard) {
  return py::make_tuple(shard.index, to_pyint(shard.start), to_pyint(shard.end), shard.parent,
                        shard.adjacent_parent, shard.open);
}

// (kind, shard, adjacent_shard | None, new_starting_hash_key | None, children)
py::tuple op_tuple(const core::ReshardOp& op) {
  const bool split = op.kind == core::ReshardOp::Kind::kSplit;
  return py::make_tuple(split ? "split" : "merge", op.shard,
                        split ? py::object(py::none()) : py::int_(op.adjacent_shard),
                        split ? py::object(to_pyint(op.new_starting_hash_key)) : py::none(),
                        op.children);
}

}  // namespace

void register_shard_map(py::module_& m) {
  py::class_<core::ShardMap>(m, "ShardMap", "Shards of one stream and their lineage.")
      .def_readonly_static("MAX_SHARDS", &core::ShardMap::kMaxShards)
      .def_static("uniform", &core::ShardMap::uniform, py::arg("n"),
                  "CreateStream layout with n shards.")
      .def_static("shard_id", &core::ShardMap::shard_id, py::arg("index"))
      .def_static("parse_shard_id", &core::ShardMap::parse_shard_id, py::arg("shard_id"))
      .def("shards",
           [](const core::ShardMap& map) {
             py::list out;
             for (const core::Shard& shard : map.shards()) out.append(shard_tuple(shard));
             return out;
           })
      .def(
          "shard",
          [](const core::ShardMap& map, core::ShardIndex index) {
            return shard_tuple(map.shard(index));
          },
          py::arg("index"))
      .def("open_shards", &core::ShardMap::open_shards)
      .def("open_count", &core::ShardMap::open_count)
      .def(
          "route",
          [](const core::ShardMap& map, py::handle hash) {
            return map.route(from_pyint(hash, "hash_key"));
          },
          py::arg("hash_key"))
      .def(
          "route_key",
          [](const core::ShardMap& map, py::handle partition_key,
             std::optional<std::string> explicit_hash_key) {
            const std::string_view key = bytes_view(partition_key, "partition_key");
            return map.route_key(key, explicit_hash_key ? &*explicit_hash_key : nullptr);
          },
          py::arg("partition_key"), py::arg("explicit_hash_key") = py::none())
      .def(
          "split",
          [](core::ShardMap& map, core::ShardIndex shard, py::handle new_starting_hash_key) {
            return map.split(shard, from_pyint(new_starting_hash_key, "new_starting_hash_key"));
          },
          py::arg("shard"), py::arg("new_starting_hash_key"))
      .def("merge", &core::ShardMap::merge, py::arg("shard"), py::arg("adjacent_shard"))
      .def(
          "update_shard_count",
          [](core::ShardMap& map, uint32_t target) {
            py::list out;
            for (const core::ReshardOp& op : map.update_shard_count(target)) {
              out.append(op_tuple(op));
            }
            return out;
          },
          py::arg("target"))
      .def("children", &core::ShardMap::children, py::arg("shard"))
      .def("parents_first_order", &core::ShardMap::parents_first_order)
      .def("__copy__", [](const core::ShardMap& map) { return core::ShardMap(map); })
      .def(
          "__deepcopy__",
          [](const core::ShardMap& map, const py::dict& /*memo*/) { return core::ShardMap(map); },
          py::arg("memo"));
}

}  // namespace kinesim::python
