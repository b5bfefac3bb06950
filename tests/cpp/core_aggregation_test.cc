#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/core/aggregation.h"
#include "models/core/errors.h"
#include "sim/rng.h"

namespace kinesim::core {
namespace {

const std::string kMagicBytes = "\xF3\x89\x9A\xC2";

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// MD5 computed independently of the codec (OpenSSL one-shot EVP_Digest).
std::string md5(std::string_view bytes) {
  std::array<unsigned char, 16> digest{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &len, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

// Wraps hand-written protobuf bytes as an aggregate with a correct digest.
std::string wrap(std::string_view protobuf) {
  return kMagicBytes + std::string(protobuf) + md5(protobuf);
}

void expect_codec_error(const std::string& data, const std::string& fragment) {
  try {
    deaggregate(data, "pk", nullptr, DeaggregateMode::kStrict);
    ADD_FAILURE() << "no CodecError; expected one containing: " << fragment;
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected fragment: " << fragment;
  }
  // Malformed protobuf behind a good digest is an error in KCL mode too.
  EXPECT_THROW(deaggregate(data, "pk", nullptr, DeaggregateMode::kKcl), CodecError);
}

UserRecord random_record(sim::RngStream& rng, std::size_t max_data) {
  static const std::vector<std::string> kKeys = {"a", "user-17", "ключ", "🔑 key", "x"};
  UserRecord r;
  // Mostly a small shared key pool, sometimes a fresh key, so tables grow past 127 entries.
  r.partition_key =
      rng.below(4) == 0 ? "k" + std::to_string(rng.below(400)) : kKeys[rng.below(kKeys.size())];
  if (rng.below(3) == 0) r.explicit_hash_key = std::to_string(rng.next_u64() % 300);
  const auto len = static_cast<std::size_t>(rng.below(max_data + 1));
  for (std::size_t i = 0; i < len; ++i) r.data.push_back(static_cast<char>(rng.below(256)));
  return r;
}

std::vector<DeaggregatedRecord> deaggregate_all(const std::vector<KinesisRecord>& puts) {
  std::vector<DeaggregatedRecord> out;
  for (const KinesisRecord& put : puts) {
    auto records = deaggregate(put.data, put.partition_key,
                               put.explicit_hash_key ? &*put.explicit_hash_key : nullptr);
    EXPECT_EQ(records.size(), put.user_record_count);
    for (auto& r : records) out.push_back(std::move(r));
  }
  return out;
}

void expect_same_records(const std::vector<UserRecord>& in,
                         const std::vector<DeaggregatedRecord>& out) {
  ASSERT_EQ(in.size(), out.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(in[i].partition_key, out[i].partition_key) << i;
    EXPECT_EQ(in[i].explicit_hash_key, out[i].explicit_hash_key) << i;
    EXPECT_EQ(in[i].data, out[i].data) << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

TEST(Aggregation, EncodesTwoRecordsSharingAPartitionKeyToHandComputedBytes) {
  // Also what aws-kinesis-agg 4.0.4 (protobufjs) emits for the same two records.
  const std::vector<UserRecord> records = {{"k", std::nullopt, "hi"}, {"k", "42", "yo!"}};
  const auto puts = aggregate(records);
  ASSERT_EQ(puts.size(), 1u);
  const std::string protobuf = from_hex(
      "0a016b"    // partition_key_table: "k"
      "12023432"  // explicit_hash_key_table: "42"
      "1a06"
      "0800"
      "1a026869"  // record {pk 0, data "hi"}
      "1a09"
      "0800"
      "1000"
      "1a03796f21");  // record {pk 0, ehk 0, data "yo!"}
  EXPECT_EQ(puts[0].data, kMagicBytes + protobuf + from_hex("7db44077ad72fd3a9c2ace8a2ffd040c"));
  EXPECT_EQ(puts[0].partition_key, "a");
  // MD5("k") read big-endian, in decimal: the first record routes the aggregate.
  EXPECT_EQ(puts[0].explicit_hash_key, "187279361568289349169310600456257773043");
  EXPECT_EQ(puts[0].user_record_count, 2u);
  EXPECT_TRUE(puts[0].aggregated);
  EXPECT_TRUE(is_aggregated(puts[0].data));
}

TEST(Aggregation, RoutesAnAggregateByTheFirstRecordsExplicitHashKey) {
  const std::vector<UserRecord> records = {{"k", "42", "1"}, {"j", std::nullopt, "2"}};
  const auto puts = aggregate(records);
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].explicit_hash_key, "42");
}

TEST(Aggregation, SendsABatchOfOneRecordRawWithItsOwnKeys) {
  const std::vector<UserRecord> records = {{"my-key", "7", "payload"}};
  const auto puts = aggregate(records);
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].partition_key, "my-key");
  EXPECT_EQ(puts[0].explicit_hash_key, "7");
  EXPECT_EQ(puts[0].data, "payload");
  EXPECT_FALSE(puts[0].aggregated);
  EXPECT_EQ(puts[0].user_record_count, 1u);
}

TEST(Aggregation, StoresEachDistinctKeyOnceAndIndexesOnlyRecordsWithAnExplicitHashKey) {
  const std::vector<UserRecord> records = {
      {"p", std::nullopt, ""}, {"q", "5", ""}, {"p", "5", ""}, {"q", std::nullopt, ""}};
  const auto puts = aggregate(records);
  ASSERT_EQ(puts.size(), 1u);
  const std::string protobuf = from_hex(
      "0a0170"
      "0a0171"
      "120135"
      "1a04"
      "0800"
      "1a00"
      "1a06"
      "0801"
      "1000"
      "1a00"
      "1a06"
      "0800"
      "1000"
      "1a00"
      "1a04"
      "0801"
      "1a00");
  EXPECT_EQ(puts[0].data, wrap(protobuf));
}

TEST(Aggregation, RoundTripsRandomBinaryRecordsUnderManyLimits) {
  sim::RngStream rng(20240611);
  for (const std::size_t max_size : {0u, 40u, 300u, 4096u, 51'200u, 1'048'576u}) {
    std::vector<UserRecord> records;
    for (int i = 0; i < 600; ++i) records.push_back(random_record(rng, 700));
    const auto puts = aggregate(records, max_size);
    expect_same_records(records, deaggregate_all(puts));
    for (const auto& put : puts) {
      EXPECT_TRUE(put.data.size() <= max_size || put.user_record_count == 1) << max_size;
      EXPECT_EQ(put.aggregated, is_aggregated(put.data) && put.user_record_count > 1);
    }
  }
}

TEST(Aggregation, RoundTripsUnicodeKeysAndEveryByteValue) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  const std::vector<UserRecord> records = {
      {"ключ-🔑", std::nullopt, all_bytes},
      {"日本語", "340282366920938463463374607431768211455", "données ✓"},
      {"ключ-🔑", std::nullopt, std::string(3, '\0')}};
  const auto puts = aggregate(records);
  ASSERT_EQ(puts.size(), 1u);
  const auto out = deaggregate(puts[0].data);
  expect_same_records(records, out);
  for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].sub_sequence_number, i);
}

// ---------------------------------------------------------------------------------------------
// Sizes

TEST(AggregateSizer, PredictsTheExactEncodedSizeOfManyRandomBatches) {
  sim::RngStream rng(7);
  for (int batch = 0; batch < 300; ++batch) {
    Aggregator aggregator(SIZE_MAX);
    AggregateSizer sizer;
    std::vector<std::string> pks;
    std::vector<std::string> ehks;
    const auto n = 1 + rng.below(batch % 10 == 0 ? 400 : 40);
    for (uint64_t i = 0; i < n; ++i) {
      const UserRecord r = random_record(rng, batch % 30 == 0 ? 20'000 : 300);
      // Ids from the caller's own numbering: the position of the key in a vector.
      auto id_of = [](std::vector<std::string>& ids, const std::string& key) {
        for (std::size_t j = 0; j < ids.size(); ++j) {
          if (ids[j] == key) return static_cast<uint64_t>(j);
        }
        ids.push_back(key);
        return static_cast<uint64_t>(ids.size() - 1);
      };
      const uint64_t pk_id = id_of(pks, r.partition_key) + 1000;
      const std::optional<uint64_t> ehk_id =
          r.explicit_hash_key ? std::optional(id_of(ehks, *r.explicit_hash_key)) : std::nullopt;
      const std::size_t ehk_len = r.explicit_hash_key ? r.explicit_hash_key->size() : 0;
      const std::size_t predicted =
          sizer.size_if_added(pk_id, r.partition_key.size(), ehk_id, ehk_len, r.data.size());
      const std::size_t predicted_put =
          sizer.put_size_if_added(pk_id, r.partition_key.size(), ehk_id, ehk_len, r.data.size());
      sizer.add(pk_id, r.partition_key.size(), ehk_id, ehk_len, r.data.size());
      EXPECT_EQ(sizer.size(), predicted);
      EXPECT_EQ(sizer.put_size(), predicted_put);
      EXPECT_FALSE(aggregator.add(r).has_value());
      EXPECT_EQ(aggregator.size(), sizer.put_size());
    }
    const std::size_t expected = aggregator.size();
    const auto put = aggregator.flush();
    ASSERT_TRUE(put.has_value());
    EXPECT_EQ(put->data.size(), expected) << "batch " << batch << " of " << n;
    if (n > 1) {
      EXPECT_EQ(sizer.size(), put->data.size());
    }
    EXPECT_EQ(aggregator.size(), 0u);
  }
}

TEST(AggregateSizer, CountsTheAggregateEncodingEvenForOneRecordButPutsItRaw) {
  AggregateSizer sizer;
  EXPECT_EQ(sizer.size(), 0u);
  EXPECT_EQ(sizer.put_size(), 0u);
  sizer.add(1, 1, std::nullopt, 0, 2);
  // magic 4 + pk entry 3 + record (2 + 6) + digest 16.
  EXPECT_EQ(sizer.size(), 31u);
  EXPECT_EQ(sizer.put_size(), 2u);
  sizer.clear();
  EXPECT_EQ(sizer.count(), 0u);
  EXPECT_EQ(sizer.size(), 0u);
}

// add_distinct is the encoder's size for a key seen once in the aggregate, mixed with keys that
// repeat: checked against real bytes, past 128 keys (where key indexes take two bytes).
TEST(AggregateSizer, SizesDistinctKeysWithoutALookupExactlyAsTheEncoderDoes) {
  sim::RngStream rng(11);
  for (int batch = 0; batch < 40; ++batch) {
    Aggregator aggregator(SIZE_MAX);
    AggregateSizer sizer;
    const auto n = 2 + rng.below(300);
    for (uint64_t i = 0; i < n; ++i) {
      // Every third record reuses one of 5 shared keys; the rest have keys of their own. The
      // first two are distinct: the table holds no slot yet when the first lookup comes.
      const bool shared = i % 3 == 2;
      const uint64_t id = shared ? rng.below(5) : 1000 + i;
      UserRecord r;
      r.partition_key = (shared ? "shared-" : "own-") + std::to_string(id);
      r.data.assign(rng.below(200), 'x');
      std::size_t predicted = 0;
      if (shared) {
        predicted =
            sizer.put_size_if_added(id, r.partition_key.size(), std::nullopt, 0, r.data.size());
        sizer.add(id, r.partition_key.size(), std::nullopt, 0, r.data.size());
      } else {
        predicted = sizer.put_size_if_added_distinct(r.partition_key.size(), r.data.size());
        sizer.add_distinct(r.partition_key.size(), r.data.size());
      }
      EXPECT_EQ(sizer.put_size(), predicted);
      EXPECT_FALSE(aggregator.add(r).has_value());
      EXPECT_EQ(aggregator.size(), sizer.put_size()) << "record " << i;
    }
    const auto put = aggregator.flush();
    ASSERT_TRUE(put.has_value());
    EXPECT_EQ(put->data.size(), sizer.size());
  }
}

TEST(Aggregator, FlushesBeforeARecordWouldPushTheSizeOverTheLimit) {
  sim::RngStream rng(99);
  std::vector<UserRecord> records;
  for (int i = 0; i < 2000; ++i) records.push_back(random_record(rng, 600));
  const std::size_t max_size = 5000;
  const auto puts = aggregate(records, max_size);
  ASSERT_GT(puts.size(), 5u);
  std::size_t next = 0;
  for (std::size_t i = 0; i < puts.size(); ++i) {
    EXPECT_LE(puts[i].data.size(), max_size);
    next += puts[i].user_record_count;
    if (i + 1 == puts.size()) break;
    // Greedy: the next record would not have fitted.
    std::vector<UserRecord> grown(
        records.begin() + static_cast<std::ptrdiff_t>(next - puts[i].user_record_count),
        records.begin() + static_cast<std::ptrdiff_t>(next + 1));
    const auto one = aggregate(grown, SIZE_MAX);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_GT(one[0].data.size(), max_size);
  }
  EXPECT_EQ(next, records.size());
}

TEST(Aggregator, SplitsByMaxCount) {
  std::vector<UserRecord> records(10, UserRecord{"k", std::nullopt, "d"});
  const auto puts = aggregate(records, kDefaultAggregateMaxSize, 3);
  ASSERT_EQ(puts.size(), 4u);
  EXPECT_EQ(puts[0].user_record_count, 3u);
  EXPECT_EQ(puts[2].user_record_count, 3u);
  EXPECT_EQ(puts[3].user_record_count, 1u);
  EXPECT_FALSE(puts[3].aggregated);
  EXPECT_THROW(Aggregator(100, 0), std::invalid_argument);
}

TEST(Aggregator, SendsARecordBiggerThanMaxSizeAlone) {
  const std::vector<UserRecord> records = {{"a", std::nullopt, "x"},
                                           {"b", std::nullopt, "y"},
                                           {"big", std::nullopt, std::string(300, 'B')},
                                           {"c", std::nullopt, "z"}};
  const auto puts = aggregate(records, 100);
  ASSERT_EQ(puts.size(), 3u);
  EXPECT_EQ(puts[0].user_record_count, 2u);
  EXPECT_FALSE(puts[1].aggregated);
  EXPECT_EQ(puts[1].partition_key, "big");
  EXPECT_EQ(puts[1].data, std::string(300, 'B'));
  EXPECT_EQ(puts[2].data, "z");
}

TEST(Aggregator, ReportsFullWhenNoFurtherRecordCouldJoin) {
  Aggregator by_count(kDefaultAggregateMaxSize, 2);
  EXPECT_FALSE(by_count.full());
  by_count.add({"k", std::nullopt, "1"});
  EXPECT_FALSE(by_count.full());
  by_count.add({"k", std::nullopt, "2"});
  EXPECT_TRUE(by_count.full());
  Aggregator by_size(10);
  by_size.add({"k", std::nullopt, std::string(10, 'x')});
  EXPECT_TRUE(by_size.full());
  EXPECT_FALSE(Aggregator().flush().has_value());
}

// ---------------------------------------------------------------------------------------------
// Decoding

TEST(AggregateDecoding, ReturnsDataThatIsNotAnAggregateAsOnePlainRecord) {
  const std::string ehk = "123";
  for (const std::string& data :
       {std::string(), std::string("plain"), kMagicBytes, kMagicBytes + std::string(16, 'x'),
        std::string("\xF3\x89\x9A\xC3") + std::string(40, 'x')}) {
    const auto out = deaggregate(data, "pk", &ehk);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].partition_key, "pk");
    EXPECT_EQ(out[0].explicit_hash_key, "123");
    EXPECT_EQ(out[0].data, data);
    EXPECT_EQ(out[0].sub_sequence_number, 0u);
    EXPECT_FALSE(is_aggregated(data));
  }
}

TEST(AggregateDecoding, RejectsAWrongDigestInStrictModeButPassesItThroughAsKclDoes) {
  const std::vector<UserRecord> records = {{"k", std::nullopt, "1"}, {"j", std::nullopt, "2"}};
  std::string data = aggregate(records)[0].data;
  data.back() = static_cast<char>(data.back() ^ 1);
  EXPECT_FALSE(is_aggregated(data));
  try {
    deaggregate(data, "pk", nullptr, DeaggregateMode::kStrict);
    ADD_FAILURE() << "no CodecError";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("MD5 digest"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at byte " + std::to_string(data.size() - 16)),
              std::string::npos)
        << e.what();
  }
  const auto out = deaggregate(data, "pk", nullptr, DeaggregateMode::kKcl);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, data);
  EXPECT_EQ(out[0].partition_key, "pk");
}

TEST(AggregateDecoding, DecodesTablesThatFollowTheRecordsAndAnEmptyAggregate) {
  const auto out =
      deaggregate(wrap(from_hex("1a050800"
                                "1a0161"
                                "0a016b")));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].partition_key, "k");
  EXPECT_EQ(out[0].data, "a");
  EXPECT_TRUE(deaggregate(wrap(from_hex("0a016b"))).empty());
}

TEST(AggregateDecoding, SkipsUnknownFieldsAndIgnoresTags) {
  // Record: pk 0, data "a", tag {key "tag", value "v"}, unknown varint field 5.
  const std::string record = from_hex(
      "0800"
      "1a0161"
      "2208"
      "0a03746167"
      "120176"
      "2801");
  std::string protobuf = from_hex(
      "0a016b"              // partition_key_table: "k"
      "2807"                // unknown field 5, varint
      "310102030405060708"  // unknown field 6, fixed64
      "3d01020304"          // unknown field 7, fixed32
      "4a03616263"          // unknown field 9, length-delimited
      "5b"
      "0801"
      "5c");  // unknown field 11, a group holding a varint
  protobuf += "\x1a";
  protobuf.push_back(static_cast<char>(record.size()));
  protobuf += record;
  const auto out = deaggregate(wrap(protobuf));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].partition_key, "k");
  EXPECT_EQ(out[0].data, "a");
  EXPECT_FALSE(out[0].explicit_hash_key.has_value());
}

// Each malformed message: hex of the protobuf, the expected message fragment (with the offset
// counted from the start of the record data, magic included).
TEST(AggregateDecoding, NamesWhatIsMalformedAndWhere) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0a", "truncated varint (partition_key_table entry length) at byte 5"},
      {"0aff", "truncated varint (partition_key_table entry length) at byte 5"},
      {"28" + std::string(20, 'f') + "01", "overlong varint (unknown varint field) at byte 5"},
      {"28" + std::string(18, 'f') + "02", "overlong varint (unknown varint field) at byte 5"},
      {"0a056b",
       "length 5 of partition_key_table entry runs past the end (1 bytes left) at byte 5"},
      {"0a016b1a0f0800", "length 15 of records entry runs past the end (2 bytes left) at byte 8"},
      {"0e", "unknown wire type 6 (field 1) in AggregatedRecord at byte 4"},
      {"0f", "unknown wire type 7 (field 1) in AggregatedRecord at byte 4"},
      {"0001", "field number 0 in AggregatedRecord at byte 4"},
      {"0a016b1a031a0161", "record 0 without its required partition_key_index at byte 9"},
      {"0a016b1a020800", "record 0 without its required data at byte 9"},
      {"0a016b1a0508011a0161",
       "record 0 partition_key_index 1 outside partition_key_table of 1 keys at byte 9"},
      {"0a016b1a0708001000"
       "1a0161",
       "record 0 explicit_hash_key_index 0 outside explicit_hash_key_table of 0 keys at byte 9"},
      {"3101020304", "truncated fixed64 field 6 at byte 5"},
      {"3d0102", "truncated fixed32 field 7 at byte 5"},
      {"0a016b1a0708001a0161"
       "2200",
       "Tag without its required key at byte 16"},
      {"5b0801", "unterminated group (field 11) at byte 5"},
      {"5b64", "end-group tag does not match its group at byte 5"},
      {"5c", "unexpected end-group tag in AggregatedRecord at byte 5"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    expect_codec_error(wrap(from_hex(cases[i].first)), cases[i].second);
  }
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += "\x5b";  // field 11, start group, nested
  expect_codec_error(wrap(deep), "groups nested too deeply");
}

}  // namespace
}  // namespace kinesim::core
