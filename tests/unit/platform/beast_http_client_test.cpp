// BeastHttpClient over plain HTTP against the in-test server on 127.0.0.1: keep-alive, what goes on the
// wire, error mapping, deadlines, stale connections, concurrency and the answer size limit.
#include "synclatch/platform/beast_http_client.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/test_http_server.hpp"

namespace {

using namespace synclatch;
using namespace std::chrono_literals;
using test::TestHttpReply;
using test::TestHttpRequest;
using test::TestHttpServer;

std::unique_ptr<platform::BeastHttpClient> client_for(std::uint16_t port,
                                                      platform::HttpClientOptions options = {}) {
    auto client = platform::BeastHttpClient::open(
        sync::Endpoint{.tls = false, .host = "127.0.0.1", .port = port}, options);
    REQUIRE(client.ok());
    return std::move(client).value();
}

sync::HttpRequest get(std::string target = "/") {
    return {.method = "GET", .target = std::move(target), .headers = {}, .body = {}};
}

std::string where(std::uint16_t port) {
    return "127.0.0.1:" + std::to_string(port);
}

}  // namespace

TEST_CASE("BeastHttpClient: reuses one kept-alive connection for sequential requests", "[platform][http]") {
    TestHttpServer server;
    auto client = client_for(server.port());
    for (int i = 0; i < 5; ++i) {
        auto response = client->send(get("/n/" + std::to_string(i)), 2s);
        REQUIRE(response.ok());
        CHECK(response->status == 200);
        CHECK(response->body == "ok");
    }
    CHECK(server.accepted() == 1);
    CHECK(server.requests().size() == 5);
}

TEST_CASE("BeastHttpClient: sends method, target, headers and body, adding only what is missing",
          "[platform][http]") {
    TestHttpServer server;
    auto client = client_for(server.port());

    SECTION("the caller's Host and User-Agent are kept") {
        sync::HttpRequest request{.method = "POST",
                                  .target = "/identitypools/x/datasets?maxResults=2&a=%2F",
                                  .headers = {{"Host", "sync.example.com"},
                                              {"User-Agent", "app/2"},
                                              {"X-Amz-Date", "20260101T000000Z"}},
                                  .body = R"({"k":"v"})"};
        REQUIRE(client->send(request, 2s).ok());
        const auto seen = server.requests().at(0);
        CHECK(seen.method == "POST");
        CHECK(seen.target == "/identitypools/x/datasets?maxResults=2&a=%2F");
        CHECK(seen.header("Host") == "sync.example.com");
        CHECK(seen.header("User-Agent") == "app/2");
        CHECK(seen.header("X-Amz-Date") == "20260101T000000Z");
        CHECK(seen.header("Content-Length") == "9");
        CHECK(seen.body == R"({"k":"v"})");
        std::size_t hosts = 0;
        for (const auto& [name, value] : seen.headers)
            hosts += name == "Host" ? 1 : 0;
        CHECK(hosts == 1);
    }
    SECTION("without them the client adds the endpoint's authority and its User-Agent") {
        REQUIRE(client->send(get(), 2s).ok());
        const auto seen = server.requests().at(0);
        CHECK(seen.header("Host") == where(server.port()));
        CHECK(seen.header("User-Agent") == "synclatch/0.1");
        CHECK(seen.header("Content-Length").empty());
    }
}

TEST_CASE("BeastHttpClient: a 4xx answer is a response with its status, headers and body",
          "[platform][http]") {
    TestHttpServer server;
    server.set_handler([](const TestHttpRequest&) {
        return TestHttpReply{404,
                             {{"Content-Type", "application/x-amz-json-1.1"},
                              {"x-amzn-ErrorType", "ResourceNotFoundException"}},
                             R"({"message":"no such dataset"})"};
    });
    auto client = client_for(server.port());
    auto response = client->send(get("/missing"), 2s);
    REQUIRE(response.ok());
    CHECK(response->status == 404);
    CHECK(response->header("X-Amzn-ErrorType") == "ResourceNotFoundException");
    CHECK(response->header("content-type") == "application/x-amz-json-1.1");
    CHECK(response->body == R"({"message":"no such dataset"})");
}

TEST_CASE("BeastHttpClient: connection refused is unavailable and names host:port", "[platform][http]") {
    std::uint16_t closed_port = 0;
    {
        TestHttpServer gone;
        closed_port = gone.port();
    }  // nothing listens there any more
    auto client = client_for(closed_port);
    auto response = client->send(get(), 2s);
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::unavailable);
    CHECK(response.status().message() == where(closed_port) + ": connection refused");
}

TEST_CASE("BeastHttpClient: a silent server times out within the deadline", "[platform][http]") {
    TestHttpServer server;
    server.set_silent(true);
    auto client = client_for(server.port());
    const auto start = std::chrono::steady_clock::now();
    auto response = client->send(get(), 300ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::timeout);
    CHECK(response.status().message() == where(server.port()) + ": no answer within 300 ms");
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 1300ms);
    CHECK(server.requests().size() == 1);  // it did arrive: the server just never answered
}

TEST_CASE("BeastHttpClient: replaces a kept-alive connection the server closed while idle",
          "[platform][http]") {
    TestHttpServer server;
    auto client = client_for(server.port());
    REQUIRE(client->send(get("/first"), 2s).ok());
    server.close_idle_connections();
    std::this_thread::sleep_for(20ms);  // let the FIN reach the client's socket: the stale case, not a race
    auto second = client->send(get("/second"), 2s);
    REQUIRE(second.ok());
    CHECK(second->status == 200);
    CHECK(server.accepted() == 2);
    CHECK(server.requests().size() == 2);
}

TEST_CASE("BeastHttpClient: serves concurrent sends from 4 threads", "[platform][http]") {
    TestHttpServer server;
    server.set_handler([](const TestHttpRequest& request) { return TestHttpReply{200, {}, request.target}; });
    auto client = client_for(server.port());
    std::vector<std::thread> threads;
    std::vector<int> successes(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                const std::string target = "/t" + std::to_string(t) + "/" + std::to_string(i);
                auto response = client->send(get(target), 5s);
                if (response.ok() && response->status == 200 && response->body == target) ++successes[t];
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(successes == std::vector<int>(4, 20));
    CHECK(server.accepted() >= 1);
    CHECK(server.accepted() <= 4);  // at most one connection per concurrent caller, all kept for reuse
}

TEST_CASE("BeastHttpClient: refuses an answer body over max_response_bytes", "[platform][http]") {
    TestHttpServer server;
    std::size_t size = 0;
    server.set_handler([&size](const TestHttpRequest&) {
        return TestHttpReply{200, {}, std::string(size, 'x')};
    });
    platform::HttpClientOptions options;
    options.max_response_bytes = 1024;
    auto client = client_for(server.port(), options);

    size = 1024;
    auto at_limit = client->send(get(), 2s);
    REQUIRE(at_limit.ok());
    CHECK(at_limit->body.size() == 1024);

    size = 4096;
    auto over = client->send(get(), 2s);
    REQUIRE_FALSE(over.ok());
    CHECK(over.status().code() == Errc::invalid_argument);
    CHECK(over.status().message() == where(server.port()) + ": the answer's body is larger than 1024 bytes");
}

TEST_CASE("BeastHttpClient: a malformed answer is invalid_argument", "[platform][http]") {
    TestHttpServer server;
    server.set_raw_reply("HTTP/1.1 twohundred OK\r\n\r\n");
    auto client = client_for(server.port());
    auto response = client->send(get(), 2s);
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::invalid_argument);
    CHECK_THAT(response.status().message(),
               Catch::StartsWith(where(server.port()) + ": malformed HTTP answer"));
}

TEST_CASE("BeastHttpClient: refuses a request that would corrupt the wire", "[platform][http]") {
    TestHttpServer server;
    auto client = client_for(server.port());
    auto request = get();
    SECTION("a line break in a header value") {
        request.headers = {{"X-Injected", "a\r\nEvil: yes"}};
    }
    SECTION("a space in the target") {
        request.target = "/a b";
    }
    SECTION("a bad method") {
        request.method = "GET /";
    }
    auto response = client->send(request, 2s);
    REQUIRE_FALSE(response.ok());
    CHECK(response.status().code() == Errc::invalid_argument);
    CHECK(server.requests().empty());
}
