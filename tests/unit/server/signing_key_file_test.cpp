// The signing key file: made once as an unencrypted PKCS #8 PEM with mode 0600, read back as the same key,
// one key when opens race, the kid derived from the public key, and files that hold no usable RSA private
// key refused as corrupt.
#include "auth/signing_key_file.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "encoding/base64url.hpp"
#include "support/temp_dir.hpp"
#include "synclatch/sync/detail/crypto.hpp"

using namespace synclatch;

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

unsigned mode_of(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777;
}

std::string pem_of_new_key(const char* algorithm) {
    EVP_PKEY* key = std::string_view(algorithm) == "EC" ? EVP_EC_gen("P-256") : EVP_RSA_gen(1024u);
    REQUIRE(key != nullptr);
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

}  // namespace

TEST_CASE("Signing key file: made once with mode 0600, then read back as the same key", "[server][openid]") {
    test::TempDir dir;
    const auto path = dir.path() / "key.pem";
    CHECK_FALSE(server::read_signing_key(path).value().has_value());  // no file: nullopt, not an error

    // A temp file left by a crash, readable by all: the key must not inherit its mode.
    std::ofstream(dir.path() / "key.pem.tmp") << "half a key";
    std::filesystem::permissions(dir.path() / "key.pem.tmp", std::filesystem::perms::all);

    const auto made = server::read_or_create_signing_key(path).value();
    CHECK(mode_of(path) == 0600);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "key.pem.tmp"));
    const std::string pem = read_file(path);
    CHECK(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    CHECK(EVP_PKEY_get_bits(made.private_key.get()) == 2048);
    CHECK(made.public_key.type == server::JsonWebKeyType::rsa);
    CHECK(made.public_key.alg == "RS256");

    const auto again = server::read_or_create_signing_key(path).value();
    CHECK(again.public_key.kid == made.public_key.kid);
    CHECK(EVP_PKEY_eq(again.private_key.get(), made.private_key.get()) == 1);
    CHECK(read_file(path) == pem);  // not rewritten
    CHECK(server::read_signing_key(path).value()->public_key.kid == made.public_key.kid);
}

TEST_CASE("Signing key file: the kid is base64url of 8 bytes of SHA-256 of the DER public key",
          "[server][openid]") {
    const auto key = server::generate_signing_key().value();
    unsigned char* der = nullptr;
    const int length = i2d_PUBKEY(key.private_key.get(), &der);
    REQUIRE(length > 0);
    const std::string digest =
        sync::detail::sha256(std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(length)));
    OPENSSL_free(der);
    CHECK(key.public_key.kid == server::base64url(digest.substr(0, 8)));
    CHECK(server::signing_key_id(*key.private_key).value() == key.public_key.kid);
    // The public half gives the same kid: it depends on nothing private.
    CHECK(server::signing_key_id(*key.public_key.key).value() == key.public_key.kid);
}

TEST_CASE("Signing key file: opens racing on a new folder agree on one key", "[server][openid]") {
    test::TempDir dir;
    const auto path = dir.path() / "key.pem";
    std::string kids[2];
    std::thread other([&] { kids[1] = server::read_or_create_signing_key(path).value().public_key.kid; });
    kids[0] = server::read_or_create_signing_key(path).value().public_key.kid;
    other.join();
    CHECK(kids[0] == kids[1]);
    CHECK(server::read_signing_key(path).value()->public_key.kid == kids[0]);
}

TEST_CASE("Signing key file: a file with no usable RSA private key is corrupt", "[server][openid]") {
    test::TempDir dir;
    const auto path = dir.path() / "key.pem";
    SECTION("not PEM") {
        std::ofstream(path) << "not a key\n";
    }
    SECTION("a public key only") {
        std::ofstream(path) << "-----BEGIN PUBLIC KEY-----\n"
                               "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                               "-----END PUBLIC KEY-----\n";
    }
    SECTION("an EC private key") {
        std::ofstream(path) << pem_of_new_key("EC");
    }
    SECTION("an RSA key of 1024 bits") {
        std::ofstream(path) << pem_of_new_key("RSA");
    }
    SECTION("larger than a key can be") {
        std::ofstream(path) << std::string(server::kMaxSigningKeyFileBytes + 1, 'A');
    }
    CHECK(server::read_signing_key(path).status().code() == Errc::corrupt);
    // And it is not replaced by a new key: the operator must look.
    CHECK(server::read_or_create_signing_key(path).status().code() == Errc::corrupt);
}
