// SHA-256 and HMAC-SHA256 over OpenSSL 3. The algorithms are fetched once and each thread keeps its own
// contexts: OpenSSL's one-shot calls (EVP_Digest, HMAC) look the algorithm up in the provider registry on
// every call, under a lock, which costs more than hashing a request.
#include "synclatch/sync/detail/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace synclatch::sync::detail {

namespace {

struct Algorithms {
    EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    Algorithms() {
        if (sha256 == nullptr || hmac == nullptr) throw std::runtime_error("OpenSSL lacks SHA256 or HMAC");
    }
    ~Algorithms() {
        EVP_MD_free(sha256);
        EVP_MAC_free(hmac);
    }
};

const Algorithms& algorithms() {
    static const Algorithms fetched;
    return fetched;
}

struct ThreadContexts {
    EVP_MD_CTX* digest = EVP_MD_CTX_new();
    EVP_MAC_CTX* mac = EVP_MAC_CTX_new(algorithms().hmac);
    ThreadContexts() {
        char name[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0),
                                     OSSL_PARAM_construct_end()};
        if (digest == nullptr || mac == nullptr || EVP_MAC_CTX_set_params(mac, params) != 1)
            throw std::runtime_error("cannot set up OpenSSL hashing contexts");
    }
    ~ThreadContexts() {
        EVP_MD_CTX_free(digest);
        EVP_MAC_CTX_free(mac);
    }
};

ThreadContexts& contexts() {
    thread_local ThreadContexts mine;
    return mine;
}

}  // namespace

std::string sha256(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX* ctx = contexts().digest;
    if (EVP_DigestInit_ex2(ctx, algorithms().sha256, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx, digest, &length) != 1)
        throw std::runtime_error("SHA-256 failed");
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    std::size_t length = 0;
    EVP_MAC_CTX* ctx = contexts().mac;
    if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx, digest, &length, sizeof digest) != 1)
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string hex(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

}  // namespace synclatch::sync::detail
