#include "models/core/md5.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace kinesim::core {
namespace {

// EVP_MD_fetch is a provider lookup, far too slow per key; the pointer lives as long as the
// process on purpose.
const EVP_MD* md5_algorithm() {
  static const EVP_MD* const kMd5 = [] {
    EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    if (md == nullptr) throw std::runtime_error("OpenSSL: MD5 is not available");
    return md;
  }();
  return kMd5;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Allocating a context per digest, or re-binding its algorithm, costs more than hashing a
// short key; each thread keeps one bound to MD5.
EVP_MD_CTX* thread_ctx() {
  thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx = [] {
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> c{EVP_MD_CTX_new()};
    if (!c || EVP_DigestInit_ex2(c.get(), md5_algorithm(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL: cannot create an MD5 context");
    }
    return c;
  }();
  return ctx.get();
}

}  // namespace

Md5Digest md5(std::string_view bytes) {
  EVP_MD_CTX* ctx = thread_ctx();
  Md5Digest digest{};
  unsigned int len = 0;
  // A null type re-initialises the context with the algorithm it already holds.
  if (EVP_DigestInit_ex2(ctx, nullptr, nullptr) != 1 ||
      EVP_DigestUpdate(ctx, bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, digest.data(), &len) != 1 || len != digest.size()) {
    throw std::runtime_error("OpenSSL: MD5 digest failed");
  }
  return digest;
}

}  // namespace kinesim::core
