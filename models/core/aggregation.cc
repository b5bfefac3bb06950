#include "models/core/aggregation.h"

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "models/core/errors.h"
#include "models/core/hash_key.h"
#include "models/core/md5.h"
#include "models/core/uint128.h"

namespace kinesim::core {
namespace {

using wire::bytes_field_size;
using wire::framed_bytes;
using wire::KeyRef;
using wire::kFixedOverhead;
using wire::varint_size;

constexpr std::string_view kMagic = "\xF3\x89\x9A\xC2";
static_assert(kMagic.size() == kAggregationMagicSize);

// Field keys (field number << 3 | wire type) of the messages in aggregation.h.
constexpr char kPartitionKeyTableKey = 0x0A;     // AggregatedRecord.1, length-delimited
constexpr char kExplicitHashKeyTableKey = 0x12;  // AggregatedRecord.2, length-delimited
constexpr char kRecordsKey = 0x1A;               // AggregatedRecord.3, length-delimited
constexpr char kPartitionKeyIndexKey = 0x08;     // Record.1, varint
constexpr char kExplicitHashKeyIndexKey = 0x10;  // Record.2, varint
constexpr char kDataKey = 0x1A;                  // Record.3, length-delimited

// Protobuf's own nesting limit; bounds the recursion when skipping unknown groups.
constexpr int kMaxGroupDepth = 100;

using Digest = Md5Digest;
static_assert(std::tuple_size_v<Digest> == kAggregationDigestSize);

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Appends a length-delimited field: key, length, bytes.
void put_bytes_field(std::string& out, char key, std::string_view bytes) {
  out.push_back(key);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// Which table index a key gets: its existing index, or the next one.
template <typename Map, typename Key>
uint64_t index_of(const Map& map, const Key& key) {
  auto it = map.find(key);
  return it != map.end() ? it->second : map.size();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// AggregateSizer

std::size_t AggregateSizer::added_bytes(uint64_t pk_id, std::size_t pk_len,
                                        std::optional<uint64_t> ehk_id, std::size_t ehk_len,
                                        std::size_t data_len) const {
  const uint64_t pk_index = pk_index_.find(pk_id);
  std::optional<KeyRef> ehk;
  if (ehk_id) {
    const uint64_t ehk_index = ehk_index_.find(*ehk_id);
    ehk = KeyRef{ehk_index, ehk_index == ehk_index_.size(), ehk_len};
  }
  return framed_bytes({pk_index, pk_index == pk_index_.size(), pk_len}, ehk, data_len);
}

std::size_t AggregateSizer::size_if_added(uint64_t pk_id, std::size_t pk_len,
                                          std::optional<uint64_t> ehk_id, std::size_t ehk_len,
                                          std::size_t data_len) const {
  return kFixedOverhead + pb_size_ + added_bytes(pk_id, pk_len, ehk_id, ehk_len, data_len);
}

std::size_t AggregateSizer::put_size_if_added(uint64_t pk_id, std::size_t pk_len,
                                              std::optional<uint64_t> ehk_id, std::size_t ehk_len,
                                              std::size_t data_len) const {
  return count_ == 0 ? data_len : size_if_added(pk_id, pk_len, ehk_id, ehk_len, data_len);
}

void AggregateSizer::KeyIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<std::size_t>(16, old.size() * 2), Slot{});
  const uint32_t old_stamp = stamp_;
  stamp_ = 1;
  for (const Slot& s : old) {
    if (s.stamp != old_stamp) continue;
    slots_[slot_of(s.key)] = {s.key, s.value, stamp_};
  }
}

void AggregateSizer::KeyIndex::clear() {
  size_ = 0;
  if (++stamp_ == 0) {  // after 2^32 clears: make every slot free again
    for (Slot& s : slots_) s.stamp = 0;
    stamp_ = 1;
  }
}

void AggregateSizer::clear() {
  pk_index_.clear();
  ehk_index_.clear();
  pb_size_ = 0;
  count_ = 0;
  first_data_len_ = 0;
}

// ---------------------------------------------------------------------------------------------
// Aggregator

Aggregator::Aggregator(std::size_t max_size, uint64_t max_count)
    // KinesisRecord::user_record_count is 32-bit, and so is the KPL's AggregationMaxCount.
    : max_size_(max_size), max_count_(std::min<uint64_t>(max_count, UINT32_MAX)) {
  if (max_count == 0) throw std::invalid_argument("Aggregator: max_count must be >= 1");
}

bool Aggregator::full() const {
  return count() > 0 && (count() >= max_count_ || size() >= max_size_);
}

std::optional<KinesisRecord> Aggregator::add(const UserRecord& record) {
  const auto& pk = record.partition_key;
  const auto& ehk = record.explicit_hash_key;
  const std::size_t ehk_len = ehk ? ehk->size() : 0;
  // The sizer names keys by their index in our string tables.
  auto ids = [&] {
    return std::pair<uint64_t, std::optional<uint64_t>>(
        index_of(pk_ids_, std::string_view(pk)),
        ehk ? std::optional<uint64_t>(index_of(ehk_ids_, std::string_view(*ehk))) : std::nullopt);
  };
  auto [pk_id, ehk_id] = ids();

  std::optional<KinesisRecord> flushed;
  if (count() > 0 &&
      (count() >= max_count_ || sizer_.put_size_if_added(pk_id, pk.size(), ehk_id, ehk_len,
                                                         record.data.size()) > max_size_)) {
    flushed = flush();
    std::tie(pk_id, ehk_id) = ids();
  }

  if (count() == 0) first_ = record;
  sizer_.add(pk_id, pk.size(), ehk_id, ehk_len, record.data.size());
  if (pk_ids_.try_emplace(pk, pk_id).second) {
    put_bytes_field(pk_table_bytes_, kPartitionKeyTableKey, pk);
  }
  if (ehk && ehk_ids_.try_emplace(*ehk, *ehk_id).second) {
    put_bytes_field(ehk_table_bytes_, kExplicitHashKeyTableKey, *ehk);
  }
  std::size_t inner = 1 + varint_size(pk_id) + bytes_field_size(record.data.size());
  if (ehk_id) inner += 1 + varint_size(*ehk_id);
  records_bytes_.push_back(kRecordsKey);
  put_varint(records_bytes_, inner);
  records_bytes_.push_back(kPartitionKeyIndexKey);
  put_varint(records_bytes_, pk_id);
  if (ehk_id) {
    records_bytes_.push_back(kExplicitHashKeyIndexKey);
    put_varint(records_bytes_, *ehk_id);
  }
  put_bytes_field(records_bytes_, kDataKey, record.data);
  return flushed;
}

std::optional<KinesisRecord> Aggregator::flush() {
  if (count() == 0) return std::nullopt;
  KinesisRecord out;
  if (count() == 1) {
    out.partition_key = std::move(first_.partition_key);
    out.explicit_hash_key = std::move(first_.explicit_hash_key);
    out.data = std::move(first_.data);
  } else {
    // As the KPL's KinesisRecord: partition key "a" (one byte; the sub-records carry their
    // own) and the first user record's hash key in decimal, which routes the aggregate.
    out.partition_key = "a";
    out.explicit_hash_key =
        to_decimal(first_.explicit_hash_key ? parse_explicit_hash_key(*first_.explicit_hash_key)
                                            : hash_key(first_.partition_key));
    out.data.reserve(sizer_.size());
    out.data.append(kMagic);
    out.data.append(pk_table_bytes_);
    out.data.append(ehk_table_bytes_);
    out.data.append(records_bytes_);
    const Digest digest = md5(std::string_view(out.data).substr(kMagic.size()));
    out.data.append(reinterpret_cast<const char*>(digest.data()), digest.size());
    out.user_record_count = static_cast<uint32_t>(count());
    out.aggregated = true;
  }
  first_ = UserRecord{};
  sizer_.clear();
  pk_ids_.clear();
  ehk_ids_.clear();
  pk_table_bytes_.clear();
  ehk_table_bytes_.clear();
  records_bytes_.clear();
  return out;
}

std::vector<KinesisRecord> aggregate(std::span<const UserRecord> records, std::size_t max_size,
                                     uint64_t max_count) {
  std::vector<KinesisRecord> out;
  Aggregator aggregator(max_size, max_count);
  for (const UserRecord& record : records) {
    if (auto done = aggregator.add(record)) out.push_back(std::move(*done));
  }
  if (auto done = aggregator.flush()) out.push_back(std::move(*done));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoding

namespace {

[[noreturn]] void fail(const std::string& what, std::size_t offset) {
  throw CodecError("malformed aggregated record: " + what + " at byte " + std::to_string(offset));
}

std::string join(std::string_view a, std::string_view b, std::string_view c, std::string_view d) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + d.size());
  out.append(a).append(b).append(c).append(d);
  return out;
}

// Reads protobuf wire format from one message's bytes, bounds-checked. Offsets in errors are
// from the start of the Kinesis record data (magic included).
class WireReader {
 public:
  WireReader(std::string_view bytes, std::size_t base) : bytes_(bytes), base_(base) {}

  bool done() const { return pos_ == bytes_.size(); }
  std::size_t offset() const { return base_ + pos_; }

  // `what` and `suffix` name the value in errors; they are joined only on failure.
  uint64_t varint(std::string_view what, std::string_view suffix = {}) {
    const std::size_t start = offset();
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) fail(join("truncated varint (", what, suffix, ")"), start);
      const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
      // The 10th byte holds only bit 63; anything more is an overlong (>64-bit) varint.
      if (shift == 63 && byte > 1) break;
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail(join("overlong varint (", what, suffix, ")"), start);
  }

  // A length-delimited payload; returns it and where it starts.
  std::pair<std::string_view, std::size_t> bytes(std::string_view what) {
    const std::size_t start = offset();
    const uint64_t len = varint(what, " length");
    if (len > bytes_.size() - pos_) {
      fail(join("length ", std::to_string(len), " of ", what) + " runs past the end (" +
               std::to_string(bytes_.size() - pos_) + " bytes left)",
           start);
    }
    const std::size_t payload = offset();
    const std::string_view out = bytes_.substr(pos_, static_cast<std::size_t>(len));
    pos_ += static_cast<std::size_t>(len);
    return {out, payload};
  }

  // Reads a field key; rejects field number 0 and wire types 6 and 7.
  std::pair<uint64_t, uint32_t> key(std::string_view message) {
    const std::size_t start = offset();
    const uint64_t key = varint(message, " field key");
    const uint64_t field = key >> 3;
    const auto wire_type = static_cast<uint32_t>(key & 7);
    if (field == 0) fail("field number 0 in " + std::string(message), start);
    if (wire_type > 5) {
      fail("unknown wire type " + std::to_string(wire_type) + " (field " + std::to_string(field) +
               ") in " + std::string(message),
           start);
    }
    return {field, wire_type};
  }

  // Skips an unknown field (or a known one with an unexpected wire type, as protobuf does).
  void skip(uint64_t field, uint32_t wire_type, std::string_view message, int depth = 0) {
    const std::size_t start = offset();
    switch (wire_type) {
      case 0:
        varint("unknown varint field");
        return;
      case 1:
      case 5: {
        const std::size_t width = wire_type == 1 ? 8 : 4;
        if (bytes_.size() - pos_ < width) {
          fail("truncated fixed" + std::to_string(width * 8) + " field " + std::to_string(field),
               start);
        }
        pos_ += width;
        return;
      }
      case 2:
        bytes("unknown length-delimited field");
        return;
      case 3:
        if (depth >= kMaxGroupDepth) fail("groups nested too deeply", start);
        for (;;) {
          if (done()) fail("unterminated group (field " + std::to_string(field) + ")", start);
          const auto [inner, inner_type] = key(message);
          if (inner_type == 4) {
            if (inner != field) fail("end-group tag does not match its group", start);
            return;
          }
          skip(inner, inner_type, message, depth + 1);
        }
      default:
        fail("unexpected end-group tag in " + std::string(message), start);
    }
  }

 private:
  std::string_view bytes_;
  std::size_t base_;
  std::size_t pos_ = 0;
};

struct RawRecord {
  std::string_view bytes;
  std::size_t offset;
};

void check_tag(std::string_view bytes, std::size_t offset) {
  WireReader in(bytes, offset);
  bool has_key = false;
  while (!in.done()) {
    const auto [field, wire_type] = in.key("Tag");
    if (field <= 2 && wire_type == 2) {
      in.bytes(field == 1 ? "tag key" : "tag value");
      has_key = has_key || field == 1;
    } else {
      in.skip(field, wire_type, "Tag");
    }
  }
  if (!has_key) fail("Tag without its required key", offset);
}

DeaggregatedRecord decode_record(const RawRecord& raw, uint64_t index,
                                 const std::vector<std::string_view>& pk_table,
                                 const std::vector<std::string_view>& ehk_table) {
  WireReader in(raw.bytes, raw.offset);
  std::optional<uint64_t> pk_index;
  std::optional<uint64_t> ehk_index;
  std::optional<std::string_view> data;
  while (!in.done()) {
    const auto [field, wire_type] = in.key("Record");
    if (field == 1 && wire_type == 0) {
      pk_index = in.varint("partition_key_index");
    } else if (field == 2 && wire_type == 0) {
      ehk_index = in.varint("explicit_hash_key_index");
    } else if (field == 3 && wire_type == 2) {
      data = in.bytes("data").first;
    } else if (field == 4 && wire_type == 2) {
      const auto [tag, tag_offset] = in.bytes("tags");
      check_tag(tag, tag_offset);
    } else {
      in.skip(field, wire_type, "Record");
    }
  }
  const std::string name = "record " + std::to_string(index);
  if (!pk_index) fail(name + " without its required partition_key_index", raw.offset);
  if (!data) fail(name + " without its required data", raw.offset);
  if (*pk_index >= pk_table.size()) {
    fail(name + " partition_key_index " + std::to_string(*pk_index) +
             " outside partition_key_table of " + std::to_string(pk_table.size()) + " keys",
         raw.offset);
  }
  if (ehk_index && *ehk_index >= ehk_table.size()) {
    fail(name + " explicit_hash_key_index " + std::to_string(*ehk_index) +
             " outside explicit_hash_key_table of " + std::to_string(ehk_table.size()) + " keys",
         raw.offset);
  }
  DeaggregatedRecord out;
  out.partition_key = std::string(pk_table[static_cast<std::size_t>(*pk_index)]);
  if (ehk_index)
    out.explicit_hash_key = std::string(ehk_table[static_cast<std::size_t>(*ehk_index)]);
  out.data = std::string(*data);
  out.sub_sequence_number = index;
  return out;
}

bool has_magic_and_room(std::string_view data) {
  return data.size() > kFixedOverhead && data.substr(0, kMagic.size()) == kMagic;
}

bool digest_matches(std::string_view data) {
  const std::string_view message = data.substr(kMagic.size(), data.size() - kFixedOverhead);
  const Digest digest = md5(message);
  return data.substr(data.size() - kAggregationDigestSize) ==
         std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size());
}

}  // namespace

bool is_aggregated(std::string_view data) {
  return has_magic_and_room(data) && digest_matches(data);
}

std::vector<DeaggregatedRecord> deaggregate(std::string_view data, std::string_view partition_key,
                                            const std::string* explicit_hash_key,
                                            DeaggregateMode mode) {
  const bool has_magic = has_magic_and_room(data);
  const bool digest_ok = has_magic && digest_matches(data);
  if (has_magic && !digest_ok && mode == DeaggregateMode::kStrict) {
    fail("MD5 digest does not match the protobuf message", data.size() - kAggregationDigestSize);
  }
  // Not an aggregate, or (as the KCL does) one whose digest fails: one plain record.
  if (!digest_ok) {
    DeaggregatedRecord plain;
    plain.partition_key = std::string(partition_key);
    if (explicit_hash_key != nullptr) plain.explicit_hash_key = *explicit_hash_key;
    plain.data = std::string(data);
    return {std::move(plain)};
  }

  // Tables may legally follow the records, so collect everything before resolving indices.
  WireReader in(data.substr(kMagic.size(), data.size() - kFixedOverhead), kMagic.size());
  std::vector<std::string_view> pk_table;
  std::vector<std::string_view> ehk_table;
  std::vector<RawRecord> raw_records;
  while (!in.done()) {
    const auto [field, wire_type] = in.key("AggregatedRecord");
    if (field == 1 && wire_type == 2) {
      pk_table.push_back(in.bytes("partition_key_table entry").first);
    } else if (field == 2 && wire_type == 2) {
      ehk_table.push_back(in.bytes("explicit_hash_key_table entry").first);
    } else if (field == 3 && wire_type == 2) {
      const auto [bytes, offset] = in.bytes("records entry");
      raw_records.push_back({bytes, offset});
    } else {
      in.skip(field, wire_type, "AggregatedRecord");
    }
  }
  std::vector<DeaggregatedRecord> out;
  out.reserve(raw_records.size());
  for (std::size_t i = 0; i < raw_records.size(); ++i) {
    out.push_back(decode_record(raw_records[i], i, pk_table, ehk_table));
  }
  return out;
}

}  // namespace kinesim::core
