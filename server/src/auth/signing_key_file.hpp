// The server's JWT signing keys on disk: an RSA private key in a PEM file (PKCS #8, unencrypted, mode
// 0600), read at start or made on the first one, and the kid that names its public half in our JWKS.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/json_web_keys.hpp"
#include "synclatch/core/result.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace synclatch::server {

// A private key and its public half as published. A value type; the keys are shared and only read, so
// copies may sign and verify from several threads at once.
struct SigningKey {
    std::shared_ptr<evp_pkey_st> private_key;
    JsonWebKey public_key;  // kid, type rsa, alg RS256, use sig: the public half only
};

inline constexpr int kSigningKeyBits = 2048;
inline constexpr std::size_t kMaxSigningKeyFileBytes = 64 * 1024;  // an RSA 8192 PEM is ~6.5 KiB

// The kid of a key: base64url of the first 8 bytes of the SHA-256 of its DER SubjectPublicKeyInfo. It
// depends on the public key only, so it is the same on every start and on every server sharing the file.
Result<std::string> signing_key_id(const evp_pkey_st& key);

// A fresh RSA key of kSigningKeyBits.
Result<SigningKey> generate_signing_key();

// The key in `pem` (PKCS #8, unencrypted); corrupt when it holds none, or not an RSA key of 2048 to 8192
// bits. The key as PEM, for a store that keeps it (auth/shared_signing_keys.hpp).
Result<SigningKey> signing_key_from_pem(std::string_view pem);
Result<std::string> signing_key_pem(const SigningKey& key);

// The key in the PEM file at path; nullopt when there is no file. corrupt when the file holds no
// unencrypted private key, or not an RSA key of 2048 to 8192 bits; storage when it cannot be read.
Result<std::optional<SigningKey>> read_signing_key(const std::filesystem::path& path);

// The key at path, made and written first when there is none: mode 0600, temp file, fsync, rename, fsync
// of the folder, under an flock() of the folder so that servers starting together on one data directory
// agree on one key.
Result<SigningKey> read_or_create_signing_key(const std::filesystem::path& path);

}  // namespace synclatch::server
