// JwksSource against a JWKS served by a local HTTP(S) server and against files: keys load at start, a
// rotated key is picked up on its first token but no sooner than min_refresh_interval after the last
// load, a flood of unknown kids costs one fetch, a provider down at start is retried until it answers,
// an oversize or failed answer keeps the keys at hand, and verify() never waits for the network.
// Intervals are a few hundred milliseconds; every wait is bounded.
#include "auth/jwks_source.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_http_server.hpp"
#include "support/test_signing_key.hpp"
#include "synclatch/platform/beast_http_client.hpp"

using namespace synclatch;
using server::JwksSource;
using server::LoginTokenRejection;
using json = nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

constexpr server::EpochMillis kNow = 1'700'000'000'000;
constexpr std::int64_t kNowSeconds = kNow / 1000;
constexpr milliseconds kInterval{200};  // min_refresh_interval of these tests
constexpr milliseconds kWait{2000};     // the most any wait for a load may take

const test::TestSigningKey& key_a() {
    static const auto key = test::TestSigningKey::rsa("key-a");
    return key;
}
const test::TestSigningKey& key_b() {
    static const auto key = test::TestSigningKey::ec_p256("key-b");
    return key;
}

server::LoginProvider provider() {
    return {"accounts.example.com", "https://accounts.example.com", {"client-a"}};
}

std::string token_of(const test::TestSigningKey& key, const std::string& sub = "user-1") {
    return key.jwt(json{{"iss", "https://accounts.example.com"},
                        {"aud", "client-a"},
                        {"sub", sub},
                        {"iat", kNowSeconds - 10},
                        {"exp", kNowSeconds + 3600}});
}

server::JwksSourceOptions options(milliseconds min_interval = kInterval) {
    server::JwksSourceOptions o;
    o.open_http = platform::open_http_client;
    o.min_refresh_interval = min_interval;
    o.refresh_interval = std::chrono::hours(1);
    o.fetch_timeout = milliseconds(1000);
    return o;
}

// What the test server answers, changed by the test while the server runs; each fetch's time is kept.
struct Served {
    mutable std::mutex mutex;
    unsigned status = 200;
    std::string body;
    std::vector<Clock::time_point> fetches;

    void set(std::string new_body, unsigned new_status = 200) {
        const std::lock_guard lock(mutex);
        body = std::move(new_body);
        status = new_status;
    }
    std::vector<Clock::time_point> times() const {
        const std::lock_guard lock(mutex);
        return fetches;
    }
};

void serve(test::TestHttpServer& server, const std::shared_ptr<Served>& served) {
    server.set_handler([served](const test::TestHttpRequest& request) {
        const std::lock_guard lock(served->mutex);
        served->fetches.push_back(Clock::now());
        if (request.target != "/.well-known/jwks.json") return test::TestHttpReply{404, {}, "not found"};
        return test::TestHttpReply{served->status, {{"Content-Type", "application/json"}}, served->body};
    });
}

sync::HttpUrl url_of(std::uint16_t port, bool tls = false) {
    return sync::parse_http_url(std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port) +
                                "/.well-known/jwks.json")
        .value();
}

std::unique_ptr<JwksSource> open_url(std::uint16_t port, server::JwksSourceOptions o = options()) {
    auto source = JwksSource::open_url(provider(), url_of(port), std::move(o));
    REQUIRE(source.ok());
    return std::move(source).value();
}

LoginTokenRejection rejection_of(const JwksSource& source, const std::string& token) {
    LoginTokenRejection why = LoginTokenRejection::none;
    auto login = source.verify(token, kNow, &why);
    CHECK(login.ok() == (why == LoginTokenRejection::none));
    if (!login.ok()) CHECK(login.status().code() == Errc::unauthorized);
    return why;
}

// Polls until done() or kWait has passed.
template <class Done>
bool eventually(Done done) {
    const auto until = Clock::now() + kWait;
    while (!done()) {
        if (Clock::now() >= until) return false;
        std::this_thread::sleep_for(milliseconds(5));
    }
    return true;
}

void write_file(const std::string& path, const std::string& text) {
    const std::string temp = path + ".tmp";
    std::ofstream(temp, std::ios::binary) << text;
    std::filesystem::rename(temp,
                            path);  // as an operator's deploy tool would: the reader sees one or the other
}

}  // namespace

TEST_CASE("JWKS source: a URL's keys are fetched at start, and its tokens pass", "[server][jwks]") {
    test::TestHttpServer server;
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a(), &key_b()}));
    serve(server, served);

    auto source = open_url(server.port());
    REQUIRE(source->wait_for_loads(1, kWait));
    auto login = source->verify(token_of(key_a()), kNow);
    REQUIRE(login.ok());
    CHECK(login->provider == "accounts.example.com");
    CHECK(login->subject == "user-1");
    CHECK(source->verify(token_of(key_b(), "user-2"), kNow).ok());
    CHECK(source->keys()->keys().size() == 2);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].method == "GET");
    CHECK(server.requests()[0].target == "/.well-known/jwks.json");
}

TEST_CASE("JWKS source: a rotated key is fetched on its first token, once min_refresh_interval has passed",
          "[server][jwks]") {
    test::TestHttpServer server;
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(server, served);
    auto source = open_url(server.port());
    REQUIRE(source->wait_for_loads(1, kWait));

    served->set(test::jwks_of({&key_a(), &key_b()}));  // the provider rotates
    const std::string rotated = token_of(key_b());
    CHECK(rejection_of(*source, rotated) == LoginTokenRejection::unknown_key);

    REQUIRE(source->wait_for_loads(2, kWait));
    CHECK(rejection_of(*source, rotated) == LoginTokenRejection::none);
    CHECK(rejection_of(*source, token_of(key_a())) == LoginTokenRejection::none);
    const auto fetches = served->times();
    REQUIRE(fetches.size() == 2);
    // Not refetched before the interval (a little slack for the first connection's set-up time).
    CHECK(fetches[1] - fetches[0] >= kInterval - milliseconds(50));
}

TEST_CASE("JWKS source: a flood of unknown kids from many threads costs at most one fetch per interval",
          "[server][jwks]") {
    test::TestHttpServer server;
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(server, served);
    auto source = open_url(server.port(), options(std::chrono::minutes(1)));
    REQUIRE(source->wait_for_loads(1, kWait));

    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                const std::string kid = "made-up-" + std::to_string(t) + "-" + std::to_string(i);
                const std::string token =
                    key_b().jwt(json{{"alg", "ES256"}, {"kid", kid}}, json{{"sub", "x"}});
                if (source->verify(token, kNow).ok()) ++accepted;
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    std::this_thread::sleep_for(milliseconds(300));  // time for any fetch the flood might have caused
    CHECK(accepted == 0);
    CHECK(served->times().size() == 1);
    CHECK(source->attempts() == 1);
    CHECK(rejection_of(*source, token_of(key_a())) == LoginTokenRejection::none);
}

TEST_CASE("JWKS source: verify() does not wait for a fetch in flight", "[server][jwks]") {
    // The fetch hangs for as long as the server lives: a verify() that waited for it would never return,
    // and the test would end by ctest's timeout. No clock is read: a loaded machine cannot fail it.
    auto server = std::make_unique<test::TestHttpServer>();
    server->set_silent(true);
    auto hanging = options();
    hanging.fetch_timeout = std::chrono::minutes(10);
    auto source = open_url(server->port(), hanging);
    REQUIRE(eventually([&] { return server->requests().size() == 1; }));

    auto login = source->verify(token_of(key_a()), kNow);
    REQUIRE_FALSE(login.ok());
    CHECK(login.status().code() == Errc::unauthorized);
    CHECK_THAT(login.status().message(), Catch::Contains("the provider's keys are not available"));
    CHECK(source->loads() == 0);  // returned while the fetch was still in flight
    server.reset();               // the connection closes: the fetch fails now, and the source can end
}

TEST_CASE("JWKS source: reloading() says a load is under way or about to start, and only then",
          "[server][jwks]") {
    auto server = std::make_unique<test::TestHttpServer>();
    server->set_silent(true);  // the first fetch hangs: a load under way
    auto hanging = options(std::chrono::minutes(10));
    hanging.fetch_timeout = std::chrono::minutes(10);
    auto silent = open_url(server->port(), hanging);
    REQUIRE(eventually([&] { return server->requests().size() == 1; }));
    CHECK(silent->reloading());
    server.reset();  // the fetch fails; the next try waits min_refresh_interval (10 minutes)
    REQUIRE(eventually([&] { return !silent->reloading(); }));
    CHECK(silent->loads() == 0);
    CHECK_FALSE(silent->verify(token_of(key_a()), kNow).ok());
    CHECK_FALSE(silent->reloading());  // a token asked, but the next try is not due for minutes

    test::TestHttpServer answering;
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(answering, served);
    auto source = open_url(answering.port());
    REQUIRE(source->wait_for_loads(1, kWait));
    CHECK_FALSE(source->reloading());
    served->set(test::jwks_of({&key_a(), &key_b()}));
    std::this_thread::sleep_for(kInterval);  // past min_refresh_interval since the first load
    CHECK(rejection_of(*source, token_of(key_b())) == LoginTokenRejection::unknown_key);
    // key-b's token asked for a load that may start now: reloading() is true until it has ended.
    REQUIRE(eventually([&] { return !source->reloading(); }));
    CHECK(rejection_of(*source, token_of(key_b())) == LoginTokenRejection::none);
}

TEST_CASE("JWKS source: a provider down at start: its tokens are refused, then pass once it is up",
          "[server][jwks]") {
    std::uint16_t port = 0;
    {
        test::TestHttpServer probe;  // a port nobody listens on once probe is gone
        port = probe.port();
    }
    auto source = open_url(port);
    REQUIRE(eventually([&] { return source->attempts() >= 1; }));
    auto refused = source->verify(token_of(key_a()), kNow);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Errc::unauthorized);
    CHECK_THAT(refused.status().message(), Catch::Contains("the provider's keys are not available"));
    CHECK(source->loads() == 0);

    test::TestHttpServer server(test::TestHttpServer::Options{.port = port});
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(server, served);
    // Retried on its own, every min_refresh_interval, without a token asking.
    REQUIRE(source->wait_for_loads(1, kWait));
    CHECK(rejection_of(*source, token_of(key_a())) == LoginTokenRejection::none);
}

TEST_CASE("JWKS source: a failed refresh keeps the keys at hand", "[server][jwks]") {
    test::TestHttpServer server;
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(server, served);
    auto source = open_url(server.port());
    REQUIRE(source->wait_for_loads(1, kWait));

    SECTION("an answer over 256 KiB, though valid JSON with the new key") {
        std::string oversize = test::jwks_of({&key_a(), &key_b()});
        oversize.append(300 * 1024, ' ');
        served->set(oversize);
    }
    SECTION("an error status") {
        served->set(test::jwks_of({&key_a(), &key_b()}), 503);
    }
    SECTION("a document without a usable key") {
        served->set(R"({"keys": [{"kty": "oct", "kid": "key-b", "k": "c2VjcmV0"}]})");
    }
    SECTION("not a JWKS") {
        served->set("<html>maintenance</html>");
    }
    CHECK(rejection_of(*source, token_of(key_b())) == LoginTokenRejection::unknown_key);
    REQUIRE(eventually([&] { return source->attempts() >= 2; }));
    CHECK_FALSE(source->wait_for_loads(2, milliseconds(300)));
    CHECK(source->loads() == 1);
    CHECK(rejection_of(*source, token_of(key_b())) == LoginTokenRejection::unknown_key);
    CHECK(rejection_of(*source, token_of(key_a())) == LoginTokenRejection::none);
    REQUIRE(source->keys() != nullptr);
    CHECK(source->keys()->keys().size() == 1);
}

TEST_CASE("JWKS source: an https URL is trusted through the CA file, not without it", "[server][jwks]") {
    test::TestHttpServer server(test::TestHttpServer::Options{.tls = true});
    auto served = std::make_shared<Served>();
    served->set(test::jwks_of({&key_a()}));
    serve(server, served);

    auto trusting = options();
    trusting.ca_file = SYNCLATCH_TEST_TLS_DIR "/cert.pem";
    auto source = JwksSource::open_url(provider(), url_of(server.port(), true), trusting);
    REQUIRE(source.ok());
    REQUIRE((*source)->wait_for_loads(1, kWait));
    CHECK(rejection_of(**source, token_of(key_a())) == LoginTokenRejection::none);

    // The system store does not know the test's self-signed certificate.
    auto untrusting = JwksSource::open_url(provider(), url_of(server.port(), true), options());
    REQUIRE(untrusting.ok());
    REQUIRE(eventually([&] { return (*untrusting)->attempts() >= 1; }));
    CHECK_FALSE((*untrusting)->wait_for_loads(1, milliseconds(300)));
    CHECK_FALSE((*untrusting)->verify(token_of(key_a()), kNow).ok());

    auto bad_ca = options();
    bad_ca.ca_file = "/nonexistent/ca.pem";
    CHECK_FALSE(JwksSource::open_url(provider(), url_of(server.port(), true), bad_ca).ok());
}

TEST_CASE("JWKS source: a file is re-read on an unknown kid after the operator rotates it",
          "[server][jwks]") {
    test::TempDir dir;
    const std::string file = dir.file("jwks.json");
    write_file(file, test::jwks_of({&key_a()}));
    auto opened = JwksSource::open_file(provider(), file, options());
    REQUIRE(opened.ok());
    auto& source = **opened;
    CHECK(source.loads() == 1);
    CHECK(rejection_of(source, token_of(key_a())) == LoginTokenRejection::none);

    write_file(file, test::jwks_of({&key_b()}));  // key-a retired, key-b in
    CHECK(rejection_of(source, token_of(key_b())) == LoginTokenRejection::unknown_key);
    REQUIRE(source.wait_for_loads(2, kWait));
    CHECK(rejection_of(source, token_of(key_b())) == LoginTokenRejection::none);
    CHECK(rejection_of(source, token_of(key_a())) == LoginTokenRejection::unknown_key);

    SECTION("a broken file later keeps the keys at hand") {
        write_file(file, "{\"keys\": ");
        CHECK(rejection_of(source, token_of(key_a())) == LoginTokenRejection::unknown_key);
        REQUIRE(eventually([&] { return source.attempts() >= 3; }));
        CHECK_FALSE(source.wait_for_loads(3, milliseconds(300)));
        CHECK(source.loads() == 2);
        CHECK(rejection_of(source, token_of(key_b())) == LoginTokenRejection::none);
    }
}

TEST_CASE("JWKS source: a file that cannot be used at start is an error", "[server][jwks]") {
    test::TempDir dir;
    auto missing = JwksSource::open_file(provider(), dir.file("missing.json"), options());
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.status().message(), Catch::Contains("missing.json"));

    write_file(dir.file("empty.json"), R"({"keys": []})");
    auto empty = JwksSource::open_file(provider(), dir.file("empty.json"), options());
    REQUIRE_FALSE(empty.ok());
    CHECK_THAT(empty.status().message(), Catch::Contains("no key this server can use"));

    write_file(dir.file("big.json"), test::jwks_of({&key_a()}) + std::string(300 * 1024, ' '));
    CHECK_FALSE(JwksSource::open_file(provider(), dir.file("big.json"), options()).ok());
}
