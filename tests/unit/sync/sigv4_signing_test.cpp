// SigV4 against AWS's published signature test suite (credentials AKIDEXAMPLE, 20150830T123600Z,
// us-east-1, service "service"), plus the Cognito Sync specifics: double-encoded paths, session tokens.
#include <catch2/catch.hpp>

#include "synclatch/sync/sigv4_signing.hpp"

using namespace synclatch::sync::sigv4;
using synclatch::Errc;

namespace {

const Credentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr const char* kDate = "20150830T123600Z";

Request suite_request(std::string method, std::string path, std::string query = "") {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.headers = {{"Host", "example.amazonaws.com"}};
    return r;
}

std::string signature_of(const Request& signed_request) {
    const auto auth = std::string(header_value(signed_request, "authorization"));
    return auth.substr(auth.rfind('=') + 1);
}

}  // namespace

TEST_CASE("SigV4: get-vanilla matches the published canonical request and signature", "[sync][sigv4]") {
    Request r = suite_request("GET", "/");
    r.headers.emplace_back("X-Amz-Date", kDate);
    const std::vector<std::string> signed_headers = {"host", "x-amz-date"};
    const std::string canonical = canonical_request(r, signed_headers, false);
    CHECK(canonical ==
          "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const Scope scope{"20150830", "us-east-1", "service"};
    const std::string to_sign = string_to_sign(kDate, scope, canonical);
    CHECK(to_sign ==
          "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
          "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    CHECK(signature(kExample.secret_key, scope, to_sign) ==
          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("SigV4: sign() reproduces the suite's Authorization headers", "[sync][sigv4]") {
    SECTION("get-vanilla") {
        Request r = suite_request("GET", "/");
        sign(r, kExample, "us-east-1", "service", kDate, false);
        CHECK(header_value(r, "authorization") ==
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }
    SECTION("get-vanilla-query-order-key-case: parameters are sorted") {
        Request r = suite_request("GET", "/", "Param2=value2&Param1=value1");
        sign(r, kExample, "us-east-1", "service", kDate, false);
        CHECK(signature_of(r) == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
    }
    SECTION("post-vanilla") {
        Request r = suite_request("POST", "/");
        sign(r, kExample, "us-east-1", "service", kDate, false);
        CHECK(signature_of(r) == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
    }
    SECTION("get-utf8: an encoded path is signed as sent when not double-encoding") {
        Request r = suite_request("GET", "/%E1%88%B4");
        sign(r, kExample, "us-east-1", "service", kDate, false);
        CHECK(signature_of(r) == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
    }
}

TEST_CASE("SigV4: a Signer keeps the day's key and signs as sign() does, across a date change",
          "[sync][sigv4]") {
    Signer signer(kExample, "us-east-1", "service", false);
    Request first = suite_request("GET", "/");
    signer.sign(first, kDate);
    CHECK(signature_of(first) == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

    Request next_day = suite_request("GET", "/");
    signer.sign(next_day, "20150831T000001Z");
    Request expected = suite_request("GET", "/");
    sign(expected, kExample, "us-east-1", "service", "20150831T000001Z", false);
    CHECK(header_value(next_day, "authorization") == header_value(expected, "authorization"));
    CHECK(header_value(next_day, "authorization").find("/20150831/us-east-1/") != std::string_view::npos);
}

TEST_CASE("SigV4: the signing key is the suite's, and signature_with_key() equals signature()",
          "[sync][sigv4]") {
    const Scope scope{"20150830", "us-east-1", "service"};
    const std::string to_sign =
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
    const std::string key = signing_key(kExample.secret_key, scope);
    CHECK(key.size() == 32);
    CHECK(signature_with_key(key, to_sign) ==
          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    CHECK(signature_with_key(signing_key("another secret", scope), to_sign) !=
          signature_with_key(key, to_sign));
}

TEST_CASE("SigV4: Cognito Sync paths are encoded twice in the canonical request", "[sync][sigv4]") {
    Request r;
    r.method = "GET";
    r.path = "/identitypools/us-east-1%3Aabc/identities/us-east-1%3Adef/datasets/things/records";
    r.query = "lastSyncCount=0&maxResults=1024";
    r.headers = {{"Host", "127.0.0.1:8080"}};
    const std::vector<std::string> names = {"host"};
    const std::string twice = canonical_request(r, names, true);
    CHECK(twice.find(
              "/identitypools/us-east-1%253Aabc/identities/us-east-1%253Adef/datasets/things/records\n") !=
          std::string::npos);
    CHECK(canonical_request(r, names, false).find("us-east-1%3Aabc") != std::string::npos);
}

TEST_CASE("SigV4: header values are trimmed, runs of spaces collapsed, duplicates joined", "[sync][sigv4]") {
    Request r = suite_request("GET", "/");
    r.headers.emplace_back("My-Header1", "  value1   with  spaces ");
    r.headers.emplace_back("my-header1", "value2");
    const std::vector<std::string> names = {"host", "my-header1"};
    CHECK(canonical_request(r, names, false).find("my-header1:value1 with spaces,value2\n") !=
          std::string::npos);
}

TEST_CASE("SigV4: session tokens are signed", "[sync][sigv4]") {
    Request r = suite_request("POST", "/");
    sign(r, Credentials{"ASIAEXAMPLE", "secret", "the-token"}, "us-east-1", "cognito-sync", kDate);
    CHECK(header_value(r, "x-amz-security-token") == "the-token");
    auto auth = parse_authorization(header_value(r, "authorization"));
    REQUIRE(auth.ok());
    CHECK(auth->signed_headers == std::vector<std::string>{"host", "x-amz-date", "x-amz-security-token"});
}

TEST_CASE("SigV4: Authorization headers are parsed, and malformed ones refused", "[sync][sigv4]") {
    auto auth = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-1/cognito-sync/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    REQUIRE(auth.ok());
    CHECK(auth->access_key_id == "AKID");
    CHECK(auth->scope.region == "eu-west-1");
    CHECK(auth->scope.service == "cognito-sync");
    CHECK(auth->signed_headers.size() == 2);
    for (const char* bad : {
             "",
             "AWS4-HMAC-SHA1 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=00",
             "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/wrong, SignedHeaders=host, Signature="
             "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
             "AWS4-HMAC-SHA256 Credential=A/2015/r/s/aws4_request, SignedHeaders=host, Signature="
             "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
             "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=Host, Signature="
             "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
             "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, SignedHeaders=host, Signature=xyz",
             "AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, Bogus=1",
         }) {
        INFO(bad);
        CHECK(parse_authorization(bad).status().code() == Errc::unauthorized);
    }
    CHECK(parse_authorization("AWS4-HMAC-SHA256 " + std::string(5000, 'x')).status().code() ==
          Errc::unauthorized);
}
