// MD5 through OpenSSL 3 EVP, shared by hash keys and the aggregated-record checksum.
#pragma once

#include <array>
#include <string_view>

namespace kinesim::core {

using Md5Digest = std::array<unsigned char, 16>;

// The algorithm is fetched once per process and each thread reuses one context set to MD5, so
// a digest allocates nothing. Throws std::runtime_error only if OpenSSL itself fails.
Md5Digest md5(std::string_view bytes);

}  // namespace kinesim::core
