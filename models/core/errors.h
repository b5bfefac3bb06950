// Errors of the real Kinesis core. KinesisError carries the AWS error name
// (e.g. "InvalidArgumentException") so callers and bindings can report it as AWS would.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace kinesim::core {

class KinesisError : public std::runtime_error {
 public:
  KinesisError(std::string name, const std::string& message)
      : std::runtime_error(name + ": " + message), name_(std::move(name)), message_(message) {}
  // The AWS error type, e.g. "ValidationException", "InvalidArgumentException",
  // "ResourceNotFoundException", "ResourceInUseException", "LimitExceededException".
  const std::string& name() const { return name_; }
  // The message without the name prefix.
  const std::string& message() const { return message_; }

 private:
  std::string name_;
  std::string message_;
};

// Malformed aggregated-record bytes: says what is wrong and at which byte offset.
class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace kinesim::core
