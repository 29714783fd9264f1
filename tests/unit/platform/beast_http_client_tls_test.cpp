// BeastHttpClient over TLS against the in-test HTTPS server, whose self-signed certificate
// (tests/support/tls) names localhost and 127.0.0.1: trust through ca_file, refusal by the system store,
// and refusal of a host name the certificate does not name.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "support/test_http_server.hpp"
#include "synclatch/platform/beast_http_client.hpp"

namespace {

using namespace synclatch;
using namespace std::chrono_literals;
using test::TestHttpServer;

const std::string kTestCa = SYNCLATCH_TEST_TLS_DIR "/cert.pem";

platform::HttpClientOptions trusting(std::string ca_file) {
    platform::HttpClientOptions options;
    options.ca_file = std::move(ca_file);
    return options;
}

Result<sync::HttpResponse> get(const std::string& host, std::uint16_t port,
                               platform::HttpClientOptions options) {
    auto client =
        platform::BeastHttpClient::open(sync::Endpoint{.tls = true, .host = host, .port = port}, options);
    REQUIRE(client.ok());
    return (*client)->send({.method = "GET", .target = "/", .headers = {}, .body = {}}, 3s);
}

}  // namespace

TEST_CASE("BeastHttpClient: TLS with the server's certificate trusted through ca_file answers",
          "[platform][http][tls]") {
    TestHttpServer server({.tls = true});
    const auto host = GENERATE(as<std::string>{}, "localhost", "127.0.0.1");  // a DNS name and an IP SAN
    auto client = platform::BeastHttpClient::open(
        sync::Endpoint{.tls = true, .host = host, .port = server.port()}, trusting(kTestCa));
    REQUIRE(client.ok());
    for (int i = 0; i < 3; ++i) {
        auto response = (*client)->send({.method = "GET", .target = "/", .headers = {}, .body = {}}, 3s);
        REQUIRE(response.ok());
        CHECK(response->status == 200);
        CHECK(response->body == "ok");
    }
    CHECK(server.accepted() == 1);  // TLS connections are kept alive too
}

TEST_CASE("BeastHttpClient: TLS against the system CA store refuses a self-signed certificate",
          "[platform][http][tls]") {
    TestHttpServer server({.tls = true});
    auto response = get("localhost", server.port(), {});
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::unavailable);
    CHECK_THAT(response.status().message(), Catch::StartsWith("localhost:" + std::to_string(server.port()) +
                                                              ": TLS: certificate verify failed"));
}

TEST_CASE("BeastHttpClient: TLS refuses a host name the certificate does not name", "[platform][http][tls]") {
    TestHttpServer server({.tls = true});
    // "127.1" is 127.0.0.1 to the resolver (inet_aton form) but, not being an IP literal to the verifier,
    // it is checked as a DNS name, which the certificate does not hold.
    auto response = get("127.1", server.port(), trusting(kTestCa));
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::unavailable);
    CHECK(response.status().message() ==
          "127.1:" + std::to_string(server.port()) + ": TLS: certificate verify failed (hostname mismatch)");
}

TEST_CASE("BeastHttpClient: open refuses a ca_file it cannot load", "[platform][http][tls]") {
    auto client = platform::BeastHttpClient::open(
        sync::Endpoint{.tls = true, .host = "localhost", .port = 443}, trusting("/nonexistent/ca.pem"));
    REQUIRE_FALSE(client.ok());
    CHECK(client.status().code() == Errc::invalid_argument);
}

TEST_CASE("BeastHttpClient: replaces a kept-alive TLS connection the server closed while idle",
          "[platform][http][tls]") {
    TestHttpServer server({.tls = true});
    auto client = platform::BeastHttpClient::open(
        sync::Endpoint{.tls = true, .host = "localhost", .port = server.port()}, trusting(kTestCa));
    REQUIRE(client.ok());
    REQUIRE((*client)->send({.method = "GET", .target = "/first", .headers = {}, .body = {}}, 3s).ok());
    server.close_idle_connections();
    std::this_thread::sleep_for(20ms);
    auto second = (*client)->send({.method = "GET", .target = "/second", .headers = {}, .body = {}}, 3s);
    REQUIRE(second.ok());
    CHECK(second->status == 200);
    CHECK(server.accepted() == 2);
}
