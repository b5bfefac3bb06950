// libFuzzer target for the aggregated-record decoder: any bytes must either decode or throw
// CodecError, never crash or read out of bounds (ASan/UBSan watch the latter). A few cheap
// invariants also hold for every input.
//
// A mutated aggregate almost never keeps a valid MD5, so the protobuf parser would hardly be
// reached; each input is therefore also decoded with its digest recomputed (the input, or its
// body when it is already framed, wrapped as magic + body + MD5(body)).
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "models/core/aggregation.h"
#include "models/core/errors.h"

namespace {

using kinesim::core::CodecError;
using kinesim::core::DeaggregateMode;

// Plain (non-aggregate) data must come back unchanged as one record with the given keys.
void check(std::string_view data, DeaggregateMode mode) {
  static const std::string kEhk = "42";
  try {
    const auto records = kinesim::core::deaggregate(data, "pk", &kEhk, mode);
    if (!kinesim::core::is_aggregated(data)) {
      if (records.size() != 1 || records[0].data != data || records[0].partition_key != "pk" ||
          records[0].explicit_hash_key != kEhk) {
        __builtin_trap();
      }
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (records[i].sub_sequence_number != i) __builtin_trap();
    }
  } catch (const CodecError&) {
    // Malformed input is reported, which is the point.
  }
}

std::string with_valid_digest(std::string_view bytes) {
  const std::string_view magic("\xF3\x89\x9A\xC2", 4);
  std::string_view body = bytes;
  if (bytes.size() > 20 && bytes.substr(0, 4) == magic) body = bytes.substr(4, bytes.size() - 20);
  unsigned char digest[16];
  unsigned int len = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &len, EVP_md5(), nullptr) != 1) {
    __builtin_trap();
  }
  std::string out(magic);
  out.append(body);
  out.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check(bytes, DeaggregateMode::kStrict);
  check(bytes, DeaggregateMode::kKcl);
  const std::string framed = with_valid_digest(bytes);
  if (!kinesim::core::is_aggregated(framed)) {
    // Only a body too short to frame (< 1 byte) may fail: 4 + 0 + 16 bytes is not an aggregate.
    if (framed.size() > 20) __builtin_trap();
  }
  check(framed, DeaggregateMode::kStrict);
  return 0;
}
