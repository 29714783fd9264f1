// The fuzz targets' shared pieces: reading HTTP as the server and the client do, and the in-process server.
#include "fuzz_support.hpp"

#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>

#include "api/request_body_limits.hpp"
#include "api/request_handler.hpp"
#include "auth/session_tokens.hpp"
#include "auth/sigv4_authenticator.hpp"
#include "hooks/sync_triggers.hpp"
#include "http/http_server.hpp"
#include "http/request_framing.hpp"
#include "http/request_target.hpp"
#include "server.hpp"
#include "store/storage.hpp"
#include "synclatch/sync/detail/ascii.hpp"
#include "telemetry/log.hpp"

namespace synclatch::fuzz {

namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;

void fail(const char* file, int line, const char* condition, std::string_view detail) {
    std::fprintf(stderr, "\n==== fuzz check failed at %s:%d: %s\n     %.*s\n", file, line, condition,
                 static_cast<int>(detail.size()), detail.data());
    std::fflush(stderr);
    std::abort();
}

std::pair<std::string_view, std::string_view> split_first_line(std::string_view text) {
    const auto newline = text.find('\n');
    if (newline == std::string_view::npos) return {text, {}};
    return {text.substr(0, newline), text.substr(newline + 1)};
}

ReadOutcome read_request_as_server(ByteStream& stream, beast::flat_buffer& buffer) {
    const server::HttpServerOptions options;
    ReadOutcome out;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(boost::none);
    http::read_header(stream, buffer, parser, out.error);
    if (out.error == http::error::header_limit || out.error == http::error::buffer_overflow) {
        out.what = ServerRead::refused;
        out.why = "headers too large";
        return out;
    }
    if (server::is_malformed_request(out.error)) {
        out.what = ServerRead::refused;
        out.why = "malformed";
        return out;
    }
    if (out.error) return out;  // closed
    out.chunked = parser.chunked();
    if (const auto length = parser.content_length()) out.content_length = *length;
    if (server::body_length_is_unknowable(parser.get(), parser.chunked())) {
        out.what = ServerRead::refused;
        out.why = "Transfer-Encoding must end with chunked";
        return out;
    }
    if (beast::websocket::is_upgrade(parser.get())) {
        out.what = parser.is_done() ? ServerRead::upgrade : ServerRead::refused;
        if (!parser.is_done()) out.why = "an upgrade with a body";
        out.request = parser.release();
        return out;
    }
    out.body_limit = std::min(
        server::max_request_body_bytes(parser.get(), server::AuthMode::sigv4, options.max_body_bytes),
        options.max_body_bytes);
    const auto length = parser.content_length();
    if (length && *length > out.body_limit) {
        out.what = ServerRead::refused;
        out.why = "body larger than the route's limit";
        return out;
    }
    parser.body_limit(out.body_limit);
    if (!parser.is_done()) {
        http::read(stream, buffer, parser, out.error);
        if (out.error == http::error::body_limit) {
            out.what = ServerRead::refused;
            out.why = "body larger than the route's limit";
            return out;
        }
        if (server::is_malformed_request(out.error)) {
            out.what = ServerRead::refused;
            out.why = "malformed";
            return out;
        }
        if (out.error) return out;  // closed
    }
    out.what = ServerRead::accepted;
    out.request = parser.release();
    return out;
}

std::string with_content_length(std::string_view text) {
    const auto blank = text.find("\r\n\r\n");
    if (blank == std::string_view::npos) return std::string(text);
    const std::string_view head = text.substr(0, blank);
    const std::string_view body = text.substr(blank + 4);
    auto starts_with = [](std::string_view line, std::string_view prefix) {
        return line.size() >= prefix.size() &&
               sync::detail::equals_ignoring_case(line.substr(0, prefix.size()), prefix);
    };
    std::string out;
    std::size_t at = 0;
    for (bool first = true; at <= head.size(); first = false) {
        const auto end = head.find("\r\n", at);
        const std::string_view line =
            head.substr(at, end == std::string_view::npos ? head.size() - at : end - at);
        at = end == std::string_view::npos ? head.size() + 1 : end + 2;
        if (!first && (starts_with(line, "content-length:") || starts_with(line, "transfer-encoding:")))
            continue;
        out.append(line).append("\r\n");
    }
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return out;
}

std::optional<server::HttpRequest> parse_request_as_server(std::string_view text) {
    ByteStream stream(text, text.size());
    beast::flat_buffer buffer(kServerReadBufferBytes);
    ReadOutcome read = read_request_as_server(stream, buffer);
    if (read.what != ServerRead::accepted) return std::nullopt;
    return std::move(read.request);
}

std::optional<sync::HttpResponse> parse_response_as_client(std::string_view text) {
    // BeastHttpClient's limits (platform/src/beast_http_client.cpp, HttpClientOptions).
    constexpr std::uint32_t kClientHeaderBytes = 64 * 1024;
    constexpr std::size_t kClientBodyBytes = 64 * 1024 * 1024;
    ByteStream stream(text, text.size());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kClientHeaderBytes);
    parser.body_limit(kClientBodyBytes);
    boost::system::error_code error;
    http::read(stream, buffer, parser, error);
    if (error) return std::nullopt;
    const auto& message = parser.get();
    sync::HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message)
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    response.body = message.body();
    return response;
}

std::string serialize(const server::HttpRequest& request) {
    std::ostringstream out;
    out << request;
    return std::move(out).str();
}

std::string serialize(const server::HttpResponse& response) {
    std::ostringstream out;
    out << response;
    return std::move(out).str();
}

sync::HttpResponse to_client_response(const server::HttpResponse& response) {
    sync::HttpResponse out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response)
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = response.body();
    return out;
}

namespace {

// Where the stores go: tmpfs when there is one.
fs::path scratch_root() {
    std::error_code ec;
    if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    return fs::temp_directory_path();
}

constexpr std::string_view kDirPrefix = "synclatch-fuzz-";

// Directories left by runs that ended in a crash (libFuzzer exits without running destructors).
void remove_abandoned_dirs(const fs::path& root) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(kDirPrefix)) continue;
        const long pid = std::strtol(name.c_str() + kDirPrefix.size(), nullptr, 10);
        if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH))
            fs::remove_all(entry.path(), ec);
    }
}

server::EpochMillis fixed_clock() {
    return kNow;
}

// Drops the `wait` parameters of a target: a long-poll would hold one input for up to 20 s.
std::string without_wait(std::string_view target) {
    const auto question = target.find('?');
    if (question == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, question));
    std::string_view query = target.substr(question + 1);
    char separator = '?';
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const auto name = server::percent_decode(pair.substr(0, pair.find('=')), true);
        if (name.ok() && *name == "wait") continue;
        out += separator;
        out += pair;
        separator = '&';
    }
    return out;
}

}  // namespace

struct FuzzServer::Parts {
    std::unique_ptr<server::Server> server;  // as synclatch-server assembles it, with --auth none
    server::Authenticator sigv4;
    sync::sigv4::Credentials identity_credentials;
    std::unique_ptr<server::SessionTokens> tokens;
};

const server::OpenIdTokens& FuzzServer::open_id_tokens() const {
    // One signing key for the whole run: a key generation per recycled server would be wasted time.
    static const server::OpenIdTokens tokens = [] {
        auto made = server::generate_signing_key();
        if (!made.ok()) fail(__FILE__, __LINE__, "making the OpenID signing key", made.status().to_string());
        return server::OpenIdTokens(std::move(made).value(), std::nullopt, "synclatch-server");
    }();
    return tokens;
}

FuzzServer& FuzzServer::get() {
    static FuzzServer server;
    return server;
}

FuzzServer::FuzzServer() {
    server::set_log_level("error");  // processors warn about every rejected event
    remove_abandoned_dirs(scratch_root());
    open();
}

FuzzServer::~FuzzServer() {
    close();
}

void FuzzServer::open() {
    std::random_device random;
    dir_ = (scratch_root() /
            (std::string(kDirPrefix) + std::to_string(::getpid()) + "-" + std::to_string(random())))
               .string();
    fs::create_directories(dir_);
    auto check = [](const Status& status, const char* what) {
        SYNCLATCH_FUZZ_CHECK(status.ok(), std::string(what) + ": " + status.to_string());
    };
    server::ServerOptions options;
    options.data_dir = dir_;
    options.auth = server::AuthMode::none;
    options.deployment_id = "fuzz";
    options.data_lake = false;
    server::lift_rate_limits(options);
    // The default pool has a developer provider, so the developer-authenticated calls reach the store.
    options.identity_pools[std::string(kPool)].developer_provider_name = "login.fuzz.app";
    server::ServerEnvironment environment;
    environment.clock = fixed_clock;
    environment.durable = false;
    environment.open_id_tokens = &open_id_tokens();
    auto opened = server::Server::open(std::move(options), environment);
    check(opened.status(), "opening the server");
    parts_ = std::make_unique<Parts>();
    parts_->server = std::move(opened).value();
    server::Storage& s = parts_->server->store();
    // An identity with a known id (create_identity draws a random one): a received write makes it.
    server::ReceivedWrite seed;
    seed.event_id = "fuzz:1";
    seed.pool_id = std::string(kPool);
    seed.identity_id = std::string(kIdentity);
    seed.dataset = "seed";
    seed.key = "k";
    seed.value = "v";
    seed.origin = "fuzz-seed";
    seed.version = 1;
    seed.origin_seq = 1;
    std::vector<server::ReceivedWrite> writes;
    writes.push_back(std::move(seed));
    auto applied = s.apply_received("fuzz-seed", std::move(writes), std::nullopt, kNow);
    check(applied.status(), "making the identity");
    SYNCLATCH_FUZZ_CHECK(applied->size() == 1 && applied->front().outcome == server::ApplyOutcome::applied,
                         "the seed identity was not made");
    auto issued = s.issue_credentials(kIdentity, kNow, 3600 * 1000);
    check(issued.status(), "issuing credentials");
    parts_->identity_credentials = {issued->access_key_id, issued->secret_key, issued->session_token};
    auto secret = s.server_secret();
    check(secret.status(), "reading the server secret");
    parts_->tokens = std::make_unique<server::SessionTokens>(*secret, 60 * 60 * 1000);

    // An in-process SyncTrigger the fuzzer may name (synclatch:fuzz): it answers with the event unchanged.
    parts_->server->sync_triggers().register_hook("fuzz", [](const nlohmann::json& event) { return event; });
    parts_->sigv4 = server::make_sigv4_authenticator(
        s, server::AdminKey{std::string(kAdminAccessKey), std::string(kAdminSecret)}, {}, fixed_clock);
}

void FuzzServer::close() {
    parts_.reset();
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
    dir_.clear();
}

void FuzzServer::begin_input() {
    if (requests_ < kRecycleEvery) return;
    requests_ = 0;
    close();
    open();
}

void FuzzServer::drop_long_poll(server::HttpRequest& request) {
    if (request.target().find("wait") != std::string_view::npos)
        request.target(without_wait(request.target()));
}

server::HttpResponse FuzzServer::handle(server::HttpRequest request) {
    ++requests_;
    drop_long_poll(request);

    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);  // UpdateRecords resumes from the store's writer thread
    std::optional<server::HttpResponse> answer;
    std::exception_ptr failed;
    boost::asio::co_spawn(io, parts_->server->handler().handle(request),
                          [&](std::exception_ptr e, server::HttpResponse response) {
                              failed = e;
                              answer = std::move(response);
                              guard.reset();
                          });
    io.run();
    if (failed) {
        try {
            std::rethrow_exception(failed);
        } catch (const std::exception& e) {
            fail(__FILE__, __LINE__, "RequestHandler::handle threw", e.what());
        }
    }
    SYNCLATCH_FUZZ_CHECK(answer.has_value(), "RequestHandler::handle did not answer");

    // A SyncTrigger webhook (http://...) would make the next UpdateRecords call out to any host the
    // input names: only the in-process hook stays set.
    auto trigger = parts_->server->store().sync_trigger(kPool);
    if (trigger.ok() && !trigger->empty() && !trigger->starts_with("synclatch:"))
        (void)parts_->server->store().set_cognito_events(kPool, "{}", "");
    return std::move(*answer);
}

Result<server::Principal> FuzzServer::authenticate(const server::HttpRequest& request) {
    auto target = server::parse_target(request.target());
    if (!target.ok()) return target.status();
    return parts_->sigv4(request, *target);
}

server::Storage& FuzzServer::store() {
    return parts_->server->store();
}

const sync::sigv4::Credentials& FuzzServer::identity_credentials() {
    return parts_->identity_credentials;
}

std::string FuzzServer::session_token(std::string_view identity, std::string_view dataset) {
    return parts_->tokens->issue(identity, dataset, kNow);
}

}  // namespace synclatch::fuzz
