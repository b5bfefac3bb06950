// How a call of the read side ended (SPEC §4), with the AWS error it stands for. A plain
// enum rather than exceptions: readers poll many times a second and a refusal is routine.
#pragma once

#include <cstdint>
#include <string_view>

namespace kinesim::models {

enum class ReadOutcome : uint8_t {
  kOk,
  // GetRecords over the shard's shared limits, or GetShardIterator over 5 calls/s.
  kThrottled,
  // An iterator used 5 min or more after it was issued.
  kExpiredIterator,
  // A GetRecords Limit outside 1..10,000; a sequence number the shard never issued.
  kInvalidArgument,
  // No such shard or consumer, or the shard passed retention after closing (EXPIRED).
  kResourceNotFound,
  // A consumer name already registered; a consumer not ACTIVE yet; SubscribeToShard again
  // within 5 s of a successful one.
  kResourceInUse,
  // Too many consumers, too many CREATING, or a call rate over its limit (RegisterStreamConsumer,
  // SubscribeToShard's 1 call/s).
  kLimitExceeded,
  // Not an AWS error: an EFO subscription ends after 5 min and the reader subscribes again.
  kSubscriptionEnded,
};

constexpr std::string_view aws_error_name(ReadOutcome outcome) {
  switch (outcome) {
    case ReadOutcome::kOk:
      return "";
    case ReadOutcome::kThrottled:
      return "ProvisionedThroughputExceededException";
    case ReadOutcome::kExpiredIterator:
      return "ExpiredIteratorException";
    case ReadOutcome::kInvalidArgument:
      return "InvalidArgumentException";
    case ReadOutcome::kResourceNotFound:
      return "ResourceNotFoundException";
    case ReadOutcome::kResourceInUse:
      return "ResourceInUseException";
    case ReadOutcome::kLimitExceeded:
      return "LimitExceededException";
    case ReadOutcome::kSubscriptionEnded:
      return "SubscriptionEnded";
  }
  return "";
}

}  // namespace kinesim::models
