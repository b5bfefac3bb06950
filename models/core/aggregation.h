// The KPL aggregated record format, byte-compatible with the KPL and kinesis-aggregation:
//   magic F3 89 9A C2 | protobuf AggregatedRecord | MD5(protobuf bytes)
// AggregatedRecord { repeated string partition_key_table = 1;
//                    repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
// Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
//          required bytes data = 3; repeated Tag tags = 4; }
// Tag { required string key = 1; optional string value = 2; }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kinesim::core {

inline constexpr std::size_t kAggregationMagicSize = 4;
inline constexpr std::size_t kAggregationDigestSize = 16;
// KPL default AggregationMaxSize (SPEC §7) and the Kinesis 1 MiB record limit.
inline constexpr std::size_t kKplAggregationMaxSize = 51'200;
inline constexpr std::size_t kDefaultAggregateMaxSize = 1'048'576;

struct UserRecord {
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;
  std::string data;  // raw bytes
};

// One Kinesis record as put: either an aggregate (partition key "a", explicit hash key = the
// first user record's hash key in decimal) or a single user record sent raw.
struct KinesisRecord {
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;
  std::string data;
  uint32_t user_record_count = 1;
  bool aggregated = false;
};

struct DeaggregatedRecord {
  std::string partition_key;
  std::optional<std::string> explicit_hash_key;
  std::string data;
  uint64_t sub_sequence_number = 0;
};

// Exact encoded size of an aggregate under construction, without its bytes: keys are named by
// caller-chosen ids (e.g. a key's index in a workload) so the simulator never stores strings.
// Each add is O(1) expected.
class AggregateSizer {
 public:
  // Encoded size (magic + protobuf + digest) if a record with these keys and data length were
  // added; the state is unchanged.
  std::size_t size_if_added(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id,
                            std::size_t ehk_len, std::size_t data_len) const;
  void add(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id,
           std::size_t ehk_len, std::size_t data_len);
  // Encoded size of the aggregate holding what was added (0 when empty).
  std::size_t size() const;
  std::size_t count() const;
  void clear();

 private:
  // Implementation-defined state (key tables by id, running protobuf size).
  struct State;
  std::vector<uint64_t> pk_ids_;
  std::vector<uint64_t> ehk_ids_;
  std::size_t pb_size_ = 0;
  std::size_t count_ = 0;
};

// Builds aggregates from user records, flushing before a record would push the encoded size
// over max_size or the count over max_count. A record too large to share an aggregate with
// anything travels alone (raw).
class Aggregator {
 public:
  explicit Aggregator(std::size_t max_size = kDefaultAggregateMaxSize,
                      uint64_t max_count = UINT32_MAX);
  // Adds a record; returns a finished KinesisRecord if adding it forced a flush first.
  std::optional<KinesisRecord> add(const UserRecord& record);
  // Emits what is buffered (raw when it is a single record); nullopt when empty.
  std::optional<KinesisRecord> flush();
  // Exact size in bytes of what flush() would emit now.
  std::size_t size() const;
  std::size_t count() const;
};

// Encodes `records` into aggregates, in order.
std::vector<KinesisRecord> aggregate(std::span<const UserRecord> records,
                                     std::size_t max_size = kDefaultAggregateMaxSize,
                                     uint64_t max_count = UINT32_MAX);

// True when `data` is an aggregate: magic, more than 16 bytes after it, and a matching MD5.
bool is_aggregated(std::string_view data);

enum class DeaggregateMode : uint8_t {
  kStrict,  // magic present but wrong digest, or bad protobuf: CodecError
  kKcl,     // as the KCL does: magic present but wrong digest -> one plain record
};

// Decodes a Kinesis record into user records. Data that is not an aggregate comes back as one
// plain record with the given keys and sub-sequence number 0. Never reads out of bounds; throws
// CodecError naming what is malformed (bad varint, truncated field, key index outside its
// table, wrong checksum).
std::vector<DeaggregatedRecord> deaggregate(std::string_view data,
                                            std::string_view partition_key = {},
                                            const std::string* explicit_hash_key = nullptr,
                                            DeaggregateMode mode = DeaggregateMode::kStrict);

}  // namespace kinesim::core
