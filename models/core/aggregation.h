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
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kinesim::core {

inline constexpr std::size_t kAggregationMagicSize = 4;
inline constexpr std::size_t kAggregationDigestSize = 16;
// KPL default AggregationMaxSize (SPEC §7) and the Kinesis 1 MiB record limit.
inline constexpr std::size_t kKplAggregationMaxSize = 51'200;
inline constexpr std::size_t kDefaultAggregateMaxSize = 1'048'576;

// Protobuf sizes the codec and the sizer share.
namespace wire {
// magic + digest around the protobuf: kFixedOverhead in the KPL's kinesis_record.h.
inline constexpr std::size_t kFixedOverhead = kAggregationMagicSize + kAggregationDigestSize;

constexpr std::size_t varint_size(uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

// A length-delimited field: key, length varint, bytes.
constexpr std::size_t bytes_field_size(std::size_t len) { return 1 + varint_size(len) + len; }

// A key as the sizer sees it: its index in its table (the table's size when it is new).
struct KeyRef {
  uint64_t index;
  bool is_new;
  std::size_t len;
};

// Protobuf bytes a record adds: new key-table entries, and the Record message with its tag.
constexpr std::size_t framed_bytes(const KeyRef& pk, const std::optional<KeyRef>& ehk,
                                   std::size_t data_len) {
  std::size_t tables = pk.is_new ? bytes_field_size(pk.len) : 0;
  std::size_t record = 1 + varint_size(pk.index);
  if (ehk) {
    if (ehk->is_new) tables += bytes_field_size(ehk->len);
    record += 1 + varint_size(ehk->index);
  }
  record += bytes_field_size(data_len);
  return tables + bytes_field_size(record);
}
// The same for a record without an explicit hash key.
constexpr std::size_t framed_bytes(const KeyRef& pk, std::size_t data_len) {
  const std::size_t tables = pk.is_new ? bytes_field_size(pk.len) : 0;
  return tables + bytes_field_size(1 + varint_size(pk.index) + bytes_field_size(data_len));
}
}  // namespace wire

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
// Each add is O(1) expected. Two sizes are offered:
//  - size(): the aggregate encoding (magic + protobuf + digest), whatever the count;
//  - put_size(): the bytes the KPL would put and compares with AggregationMaxSize, i.e.
//    KinesisRecord::accurate_size() in the KPL's aws/kinesis/core/kinesis_record.cc: 0 when
//    empty, the data length alone for one record (sent raw; its partition key is not counted),
//    else size().
class AggregateSizer {
 public:
  // Encoded size (magic + protobuf + digest) if a record with these keys and data length were
  // added; the state is unchanged. ehk_len is ignored when ehk_id is nullopt.
  std::size_t size_if_added(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id,
                            std::size_t ehk_len, std::size_t data_len) const;
  // put_size() if such a record were added.
  std::size_t put_size_if_added(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id,
                                std::size_t ehk_len, std::size_t data_len) const;
  void add(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id, std::size_t ehk_len,
           std::size_t data_len) {
    // One probe per key: look up and insert together.
    const auto [pk_index, pk_new] = pk_index_.find_or_insert(pk_id);
    std::optional<wire::KeyRef> ehk;
    if (ehk_id) {
      const auto [ehk_index, ehk_new] = ehk_index_.find_or_insert(*ehk_id);
      ehk = wire::KeyRef{ehk_index, ehk_new, ehk_len};
    }
    pb_size_ += wire::framed_bytes({pk_index, pk_new, pk_len}, ehk, data_len);
    if (count_ == 0) first_data_len_ = data_len;
    ++count_;
  }
  // The same for a record whose partition key the caller knows to be absent from the table and
  // never to be added again (no explicit hash key): its key gets the next index without a
  // lookup. The table then holds no slot for it, so only such records may use that key.
  std::size_t put_size_if_added_distinct(std::size_t pk_len, std::size_t data_len) const {
    if (count_ == 0) return data_len;
    return wire::kFixedOverhead + pb_size_ +
           wire::framed_bytes({pk_index_.size(), true, pk_len}, data_len);
  }
  void add_distinct(std::size_t pk_len, std::size_t data_len) {
    pb_size_ += wire::framed_bytes({pk_index_.add_distinct(), true, pk_len}, data_len);
    if (count_ == 0) first_data_len_ = data_len;
    ++count_;
  }
  // Where add() first looks for the partition key (nullptr if nowhere yet): for callers that
  // prefetch it.
  const void* key_slot(uint64_t pk_id) const { return pk_index_.first_probe(pk_id); }
  // Encoded size of the aggregate holding what was added (0 when empty).
  std::size_t size() const { return count_ == 0 ? 0 : wire::kFixedOverhead + pb_size_; }
  // Bytes put to Kinesis for what was added: see the class comment.
  std::size_t put_size() const { return count_ == 1 ? first_data_len_ : size(); }
  std::size_t count() const { return count_; }
  void clear();

 private:
  // Protobuf bytes the record would add, given the table state.
  std::size_t added_bytes(uint64_t pk_id, std::size_t pk_len, std::optional<uint64_t> ehk_id,
                          std::size_t ehk_len, std::size_t data_len) const;

  // Key id -> index in its table, open addressing with linear probing. A simulator adds and
  // clears one of these per aggregate, so clear() is O(1) (stamps, not erasure) and nothing is
  // allocated per key, unlike std::unordered_map.
  class KeyIndex {
   public:
    // The key's index, or size() if absent.
    uint64_t find(uint64_t key) const {
      if (slots_.empty()) return size_;  // nothing inserted yet (distinct keys hold no slot)
      const Slot& s = slots_[slot_of(key)];
      return s.stamp == stamp_ ? s.value : size_;
    }
    // Where a look-up of the key probes first (nullptr before anything is inserted).
    const void* first_probe(uint64_t key) const {
      return slots_.empty() ? nullptr : &slots_[first_slot(key)];
    }
    // Adds the key with index size() if absent; returns its index and whether it was added.
    std::pair<uint64_t, bool> find_or_insert(uint64_t key) {
      if ((size_ + 1) * 2 > slots_.size()) grow();
      Slot& s = slots_[slot_of(key)];
      if (s.stamp == stamp_) return {s.value, false};
      // Indexes are below the aggregate's record count, which is 32-bit (AggregationMaxCount).
      s = {key, static_cast<uint32_t>(size_), stamp_};
      return {size_++, true};
    }
    // A key the caller knows to be absent, and never looked up: its index, without a slot.
    uint64_t add_distinct() { return size_++; }
    uint64_t size() const { return size_; }
    void clear();

   private:
    // Key, index and stamp side by side: a lookup touches one cache line.
    struct Slot {
      uint64_t key = 0;
      uint32_t value = 0;
      uint32_t stamp = 0;  // the slot is used when its stamp equals stamp_
    };
    std::size_t slot_of(uint64_t key) const {
      const uint64_t mask = slots_.size() - 1;
      std::size_t i = first_slot(key);
      while (slots_[i].stamp == stamp_ && slots_[i].key != key) i = (i + 1) & mask;
      return i;
    }
    // Fibonacci hashing; the table size is a power of two.
    std::size_t first_slot(uint64_t key) const {
      return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (slots_.size() - 1);
    }
    void grow();
    std::vector<Slot> slots_;
    uint32_t stamp_ = 1;
    uint64_t size_ = 0;
  };
  KeyIndex pk_index_;
  KeyIndex ehk_index_;
  std::size_t pb_size_ = 0;  // encoded AggregatedRecord bytes, without magic and digest
  std::size_t count_ = 0;
  std::size_t first_data_len_ = 0;
};

// Builds aggregates from user records, flushing before a record would push put_size() (see
// AggregateSizer) over max_size or the count over max_count, so every emitted record is what
// the KPL's Reducer::flush emits: the longest prefix whose accurate size is <= max_size. A
// record too large to share an aggregate with anything travels alone (raw).
//
// Timing: the KPL flushes as soon as the count reaches max_count or its size *estimate* reaches
// max_size, not when the next record arrives; a KPL model mirrors that by calling flush() after
// add() whenever full() is true. (The KPL estimate, kinesis_record.cc after_add, can exceed the
// accurate size by a byte per distinct explicit hash key, so with many tiny records carrying
// distinct explicit hash keys the KPL may flush a few bytes early; we do not model that.)
class Aggregator {
 public:
  // max_count must be >= 1.
  explicit Aggregator(std::size_t max_size = kDefaultAggregateMaxSize,
                      uint64_t max_count = UINT32_MAX);
  // Adds a record; returns a finished KinesisRecord if adding it forced a flush first.
  std::optional<KinesisRecord> add(const UserRecord& record);
  // Emits what is buffered (raw when it is a single record); nullopt when empty.
  std::optional<KinesisRecord> flush();
  // Exact size in bytes of the data of what flush() would emit now: for one buffered record its
  // data length, else the aggregate's encoded length (AggregateSizer::put_size()).
  std::size_t size() const { return sizer_.put_size(); }
  std::size_t count() const { return sizer_.count(); }
  // True when no further record could join: count == max_count or size() >= max_size.
  bool full() const;

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using KeyTable = std::unordered_map<std::string, uint64_t, KeyHash, std::equal_to<>>;

  std::size_t max_size_;
  uint64_t max_count_;
  AggregateSizer sizer_;
  // The first buffered record: sent raw when alone, and its hash key routes the aggregate.
  UserRecord first_;
  // Encoded fields of the AggregatedRecord so far, appended in the KPL's order at flush.
  KeyTable pk_ids_;
  KeyTable ehk_ids_;
  std::string pk_table_bytes_;
  std::string ehk_table_bytes_;
  std::string records_bytes_;
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
