// The one URL parser: endpoints (scheme, host, port) and http(s) URLs split into endpoint and target.
#include <catch2/catch.hpp>

#include <string>

#include "synclatch/sync/endpoint.hpp"

using namespace synclatch;

TEST_CASE("Endpoint: scheme, host and port, with the Host header's form", "[sync][url]") {
    auto plain = sync::parse_endpoint("http://127.0.0.1:8080/");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain->tls);
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == 8080);
    CHECK(plain->authority() == "127.0.0.1:8080");

    auto tls = sync::parse_endpoint("https://sync.example.com");
    REQUIRE(tls.ok());
    CHECK(tls->port == 443);
    CHECK(tls->authority() == "sync.example.com");
    CHECK(tls->url() == "https://sync.example.com");

    auto v6 = sync::parse_endpoint("http://[::1]:9000");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->authority() == "[::1]:9000");

    for (const char* bad : {"ftp://x", "http://", "http://:80", "http://h:port", "http://h:70000",
                            "http://user@h", "http://h/path", "http://h?q", "http://[::1"}) {
        INFO(bad);
        CHECK(sync::parse_endpoint(bad).status().code() == Errc::invalid_argument);
    }
}

TEST_CASE("HttpUrl: http(s) URLs split into endpoint and target", "[sync][url]") {
    auto url = sync::parse_http_url("https://idp.example.com/.well-known/jwks.json");
    REQUIRE(url.ok());
    CHECK(url->endpoint.tls);
    CHECK(url->endpoint.host == "idp.example.com");
    CHECK(url->endpoint.port == 443);
    CHECK(url->target == "/.well-known/jwks.json");

    url = sync::parse_http_url("http://127.0.0.1:8080");
    REQUIRE(url.ok());
    CHECK_FALSE(url->endpoint.tls);
    CHECK(url->endpoint.port == 8080);
    CHECK(url->target == "/");

    url = sync::parse_http_url("http://idp:81?keys=all,signing");
    REQUIRE(url.ok());
    CHECK(url->endpoint.host == "idp");
    CHECK(url->target == "/?keys=all,signing");

    CHECK_FALSE(sync::parse_http_url("https://idp.example.com/jwks#top").ok());
    CHECK_FALSE(sync::parse_http_url("https:///jwks").ok());
    CHECK_FALSE(sync::parse_http_url("https://idp.example.com:0/jwks").ok());
    CHECK_FALSE(sync::parse_http_url("https://idp.example.com/a b").ok());
    CHECK_FALSE(sync::parse_http_url("https://idp.example.com/" + std::string(sync::kMaxUrlChars, 'a')).ok());
}
