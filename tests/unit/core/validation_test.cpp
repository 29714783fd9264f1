// Protocol input rules (PROTOCOL.md §2).
#include <catch2/catch.hpp>

#include <string>

#include "synclatch/core/validation.hpp"

using namespace synclatch::core;
using synclatch::Errc;

TEST_CASE("Validation: dataset names follow the Cognito pattern and length", "[core][validation]") {
    CHECK(validate_dataset_name("things").ok());
    CHECK(validate_dataset_name("a.b:c_d-E9").ok());
    CHECK(validate_dataset_name(std::string(128, 'x')).ok());
    CHECK(validate_dataset_name("").code() == Errc::invalid_argument);
    CHECK(validate_dataset_name(std::string(129, 'x')).code() == Errc::invalid_argument);
    CHECK(validate_dataset_name("has space").code() == Errc::invalid_argument);
    CHECK(validate_dataset_name("../etc").code() == Errc::invalid_argument);
    CHECK(validate_dataset_name("caf\xc3\xa9").code() == Errc::invalid_argument);
}

TEST_CASE("Validation: keys are 1 to 1024 characters of UTF-8", "[core][validation]") {
    CHECK(validate_key("k").ok());
    CHECK(validate_key(std::string(1024, 'k')).ok());
    CHECK(validate_key("").code() == Errc::invalid_argument);
    CHECK(validate_key(std::string(1025, 'k')).code() == Errc::invalid_argument);
    std::string euros;  // 1024 three-byte characters: 3072 bytes, still 1024 characters
    for (int i = 0; i < 1024; ++i)
        euros += "\xe2\x82\xac";
    CHECK(validate_key(euros).ok());
    CHECK(validate_key(euros + "\xe2\x82\xac").code() == Errc::invalid_argument);
    CHECK(validate_key("\xff").code() == Errc::invalid_argument);
}

TEST_CASE("Validation: values are at most 1,048,575 characters of UTF-8", "[core][validation]") {
    CHECK(validate_value("").ok());
    CHECK(validate_value(std::string(kMaxValueLength, 'v')).ok());
    CHECK(validate_value(std::string(kMaxValueLength + 1, 'v')).code() == Errc::invalid_argument);
    CHECK(validate_value("bad \xc0\xaf overlong").code() == Errc::invalid_argument);
}

TEST_CASE("Validation: UTF-8 decoding rejects malformed sequences", "[core][validation]") {
    CHECK(utf8_length("") == 0);
    CHECK(utf8_length("abc") == 3);
    CHECK(utf8_length("\xf0\x9f\x98\x80") == 1);      // U+1F600
    CHECK(utf8_length("\xe2\x82") == -1);             // truncated
    CHECK(utf8_length("\xed\xa0\x80") == -1);         // UTF-16 surrogate
    CHECK(utf8_length("\xf4\x90\x80\x80") == -1);     // past U+10FFFF
    CHECK(utf8_length("\x80") == -1);                 // lone continuation byte
    CHECK(utf8_length(std::string("a\0b", 3)) == 3);  // NUL is a character
}

TEST_CASE("Validation: identity ids look like region:hex", "[core][validation]") {
    CHECK(validate_identity_id("us-east-1:0123abcd-0000-4000-8000-00000000beef").ok());
    CHECK(validate_identity_pool_id("us-east-1:00000000-0000-0000-0000-000000000000").ok());
    CHECK(validate_identity_id("").code() == Errc::invalid_argument);
    CHECK(validate_identity_id("no-colon").code() == Errc::invalid_argument);
    CHECK(validate_identity_id("us-east-1:ABCDEF").code() == Errc::invalid_argument);  // uppercase hex
    CHECK(validate_identity_id(":abc").code() == Errc::invalid_argument);
    CHECK(validate_identity_id("us-east-1:").code() == Errc::invalid_argument);
    CHECK(validate_identity_id("us east:abc").code() == Errc::invalid_argument);
    CHECK(validate_identity_id("us-east-1:" + std::string(50, 'a')).code() == Errc::invalid_argument);
}
