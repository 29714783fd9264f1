// base64url: RFC 4648's vectors both ways, and the decoder refusing every text that is not the one unpadded
// encoding of some bytes.
#include "encoding/base64url.hpp"

#include <catch2/catch.hpp>

#include <random>

using synclatch::server::base64url;
using synclatch::server::decode_base64url;

TEST_CASE("base64url: encodes RFC 4648's vectors, unpadded, URL-safe", "[server][base64url]") {
    CHECK(base64url("") == "");
    CHECK(base64url("f") == "Zg");
    CHECK(base64url("fo") == "Zm8");
    CHECK(base64url("foo") == "Zm9v");
    CHECK(base64url("foob") == "Zm9vYg");
    CHECK(base64url("fooba") == "Zm9vYmE");
    CHECK(base64url("foobar") == "Zm9vYmFy");
    CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("base64url: decodes RFC 4648's vectors and the URL-safe characters", "[server][base64url]") {
    CHECK(decode_base64url("") == std::string());
    CHECK(decode_base64url("Zg") == "f");
    CHECK(decode_base64url("Zm8") == "fo");
    CHECK(decode_base64url("Zm9v") == "foo");
    CHECK(decode_base64url("Zm9vYg") == "foob");
    CHECK(decode_base64url("Zm9vYmE") == "fooba");
    CHECK(decode_base64url("Zm9vYmFy") == "foobar");
    CHECK(decode_base64url("-_8") == "\xfb\xff");
    CHECK(decode_base64url("AAA") == std::string(2, '\0'));
}

TEST_CASE("base64url: decoding round-trips any bytes", "[server][base64url]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    for (int round = 0; round < 500; ++round) {
        std::string bytes(random() % 70, '\0');
        for (auto& b : bytes)
            b = static_cast<char>(random() & 0xff);
        const std::string text = base64url(bytes);
        REQUIRE(decode_base64url(text) == bytes);
    }
}

TEST_CASE("base64url: the decoder refuses what is not an unpadded encoding", "[server][base64url]") {
    SECTION("padding") {
        CHECK_FALSE(decode_base64url("Zg=="));
        CHECK_FALSE(decode_base64url("Zm8="));
        CHECK_FALSE(decode_base64url("===="));
    }
    SECTION("characters of standard base64 and others outside the alphabet") {
        CHECK_FALSE(decode_base64url("+/8"));
        CHECK_FALSE(decode_base64url("Zm 9v"));
        CHECK_FALSE(decode_base64url("Zm9v\n"));
        CHECK_FALSE(decode_base64url("Zm9.v"));
        CHECK_FALSE(decode_base64url(std::string_view("Zm\0v", 4)));
        CHECK_FALSE(decode_base64url("Zm9\xc3\xa9"));
    }
    SECTION("a length no encoding has") {
        CHECK_FALSE(decode_base64url("Z"));
        CHECK_FALSE(decode_base64url("Zm9vY"));
    }
    SECTION("non-zero bits after the last byte") {
        CHECK(decode_base64url("Zg"));
        CHECK_FALSE(decode_base64url("Zh"));   // 'h' sets one of the 4 unused bits
        CHECK_FALSE(decode_base64url("Zm9"));  // fine as "Zm8"; '9' sets one of the 2 unused bits
        CHECK(decode_base64url("Zm8"));
        CHECK_FALSE(decode_base64url("-_9"));
    }
}
