#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "models/core/errors.h"
#include "models/core/hash_key.h"

namespace kinesim::core {
namespace {

// Expected values: int(hashlib.md5(key).hexdigest(), 16) in Python.
struct Md5Vector {
  std::string key;
  const char* decimal;
};

TEST(HashKey, MatchesMd5ReadAsBigEndianIntegers) {
  const Md5Vector vectors[] = {
      {"", "281949768489412648962353822266799178366"},  // d41d8cd98f00b204e9800998ecf8427e
      {"a", "16955237001963240173058271559858726497"},  // 0cc175b9c0f1b6a831c399e269772661
      {"abc", "191415658344158766168031473277922803570"},
      {"message digest", "331535486309434048055371704012530344400"},
      {"partition-key-1", "33365116028791453877729010807000998774"},
      {"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "259726384039714788407059515981389908711"},  // "ключ"
      {"\xf0\x9f\x98\x80", "55842721998748738903166261021950683062"},                   // U+1F600
  };
  for (const Md5Vector& v : vectors) EXPECT_EQ(to_decimal(hash_key(v.key)), v.decimal) << v.key;
}

TEST(HashKey, HashesEmbeddedNulBytes) {
  EXPECT_NE(hash_key(std::string("a\0b", 3)), hash_key("a"));
}

TEST(HashKey, GivesTheSameValuesOnEveryThread) {
  std::vector<uint128> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < 1000; ++i) seen[t] = hash_key("abc");
    });
  }
  for (std::thread& th : threads) th.join();
  for (const uint128 v : seen) EXPECT_TRUE(v == hash_key("abc"));
}

TEST(HashKey, CacheReturnsTheSameValueAndStoresEachKeyOnce) {
  HashKeyCache cache;
  EXPECT_TRUE(cache.get("abc") == hash_key("abc"));
  EXPECT_TRUE(cache.get(std::string("abc")) == hash_key("abc"));
  EXPECT_TRUE(cache.get("") == hash_key(""));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(PartitionKey, AcceptsOneTo256Characters) {
  EXPECT_NO_THROW(validate_partition_key("a"));
  EXPECT_NO_THROW(validate_partition_key(std::string(256, 'x')));
}

TEST(PartitionKey, RejectsEmptyKeyWithAwsValidationMessage) {
  try {
    validate_partition_key("");
    FAIL() << "no exception";
  } catch (const KinesisError& e) {
    EXPECT_EQ(e.name(), "ValidationException");
    EXPECT_EQ(e.message(),
              "1 validation error detected: Value '' at 'partitionKey' failed to satisfy "
              "constraint: Member must have length greater than or equal to 1");
  }
}

TEST(PartitionKey, RejectsKeyOf257CharactersWithAwsValidationMessage) {
  const std::string key(257, 'k');
  try {
    validate_partition_key(key);
    FAIL() << "no exception";
  } catch (const KinesisError& e) {
    EXPECT_EQ(e.name(), "ValidationException");
    EXPECT_EQ(e.message(), "1 validation error detected: Value '" + key +
                               "' at 'partitionKey' failed to satisfy constraint: Member must "
                               "have length less than or equal to 256");
  }
}

TEST(PartitionKey, CountsCharactersAsUtf16CodeUnits) {
  std::string two_byte;  // 256 x U+00E9: 512 bytes but 256 characters
  for (int i = 0; i < 256; ++i) two_byte += "\xc3\xa9";
  EXPECT_NO_THROW(validate_partition_key(two_byte));
  std::string three_byte;  // 256 x U+20AC
  for (int i = 0; i < 256; ++i) three_byte += "\xe2\x82\xac";
  EXPECT_NO_THROW(validate_partition_key(three_byte));
  std::string astral;  // 128 x U+1F600: a surrogate pair each, 256 units
  for (int i = 0; i < 128; ++i) astral += "\xf0\x9f\x98\x80";
  EXPECT_NO_THROW(validate_partition_key(astral));
  EXPECT_THROW(validate_partition_key(astral + "a"), KinesisError);
}

TEST(PartitionKey, RejectsInvalidUtf8) {
  for (const char* bad : {"\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xf5\x80\x80\x80", "\xc3", "ab\xe2\x82", "\xff"}) {
    try {
      validate_partition_key(bad);
      ADD_FAILURE() << "accepted invalid UTF-8";
    } catch (const KinesisError& e) {
      EXPECT_EQ(e.name(), "ValidationException");
    }
  }
}

TEST(ExplicitHashKey, ParsesZeroAndTheLargestHashKey) {
  EXPECT_TRUE(parse_explicit_hash_key("0") == 0);
  EXPECT_TRUE(parse_explicit_hash_key("340282366920938463463374607431768211455") == kMaxHashKey);
}

TEST(ExplicitHashKey, RejectsValuesAbove2To128Minus1AsInvalidArgument) {
  try {
    parse_explicit_hash_key("340282366920938463463374607431768211456");
    FAIL() << "no exception";
  } catch (const KinesisError& e) {
    EXPECT_EQ(e.name(), "InvalidArgumentException");
    EXPECT_EQ(e.message(),
              "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
              "Specified value was 340282366920938463463374607431768211456");
  }
  EXPECT_THROW(parse_explicit_hash_key("999999999999999999999999999999999999999"), KinesisError);
}

TEST(ExplicitHashKey, RejectsMalformedTextLikeKinesaliteWithThePatternMessage) {
  // kinesalite and the AWS API validate the pattern 0|([1-9]\d{0,38}): leading zeros fail.
  for (const char* bad : {"", "007", "00", "-1", "+1", " 1", "1a", "0x1", "1.5",
                          "1000000000000000000000000000000000000000"}) {
    try {
      parse_explicit_hash_key(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const KinesisError& e) {
      EXPECT_EQ(e.name(), "ValidationException") << bad;
      EXPECT_EQ(e.message(), std::string("1 validation error detected: Value '") + bad +
                                 "' at 'explicitHashKey' failed to satisfy constraint: Member "
                                 "must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
    }
  }
}

TEST(RoutingHashKey, UsesTheExplicitHashKeyWhenGiven) {
  const std::string ehk = "42";
  EXPECT_TRUE(routing_hash_key("anything", &ehk) == 42);
  EXPECT_TRUE(routing_hash_key("anything", nullptr) == hash_key("anything"));
}

TEST(RoutingHashKey, ValidatesThePartitionKeyEvenWithAnExplicitHashKey) {
  const std::string ehk = "42";
  EXPECT_THROW(routing_hash_key("", &ehk), KinesisError);
  EXPECT_THROW(routing_hash_key(std::string(257, 'x'), nullptr), KinesisError);
}

TEST(KinesisError, PrefixesWhatWithTheAwsErrorName) {
  const KinesisError e("InvalidArgumentException", "bad");
  EXPECT_STREQ(e.what(), "InvalidArgumentException: bad");
  EXPECT_EQ(e.message(), "bad");
}

}  // namespace
}  // namespace kinesim::core
