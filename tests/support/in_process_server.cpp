// The server's RequestHandler, of a Server as main() assembles it, run on a private io_context per call.
#include "support/in_process_server.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "api/request_handler.hpp"
#include "auth/open_id_tokens.hpp"
#include "server.hpp"
#include "support/capture.hpp"
#include "support/http_client.hpp"
#include "support/test_store.hpp"

namespace synclatch::test {

namespace {

server::EpochMillis now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// One signing key for every in-process server of the process: an RSA key generation per server (a third
// of a second) would add a minute to the 200-seed convergence test. OpenIdTokens::open (a key file per data
// directory) has its own tests.
const server::OpenIdTokens& open_id_tokens() {
    static const server::OpenIdTokens tokens = [] {
        auto made = server::generate_signing_key();
        if (!made.ok()) throw std::runtime_error("in-process server: " + made.status().to_string());
        return server::OpenIdTokens(std::move(made).value(), std::nullopt, "synclatch-server");
    }();
    return tokens;
}

// The server as synclatch-server assembles it, without sockets: no processors, no data lake, no rate limits
// (tests make identities by the thousand), commits not synced to disk.
std::unique_ptr<server::Server> open_server(const std::string& dir, const InProcessServerOptions& options) {
    server::ServerOptions server_options;
    server_options.data_dir = dir;
    server_options.store = test_store_for(dir);
    server_options.auth = options.sigv4 ? server::AuthMode::sigv4 : server::AuthMode::none;
    server_options.limits.max_records_per_dataset = options.max_records_per_dataset;
    server_options.limits.max_bytes_per_dataset = options.max_bytes_per_dataset;
    server_options.data_lake = false;
    server::lift_rate_limits(server_options);
    server::ServerEnvironment environment;
    environment.clock = now_millis;
    environment.durable = false;
    environment.open_id_tokens = &open_id_tokens();
    auto server = server::Server::open(std::move(server_options), environment);
    if (!server.ok()) throw std::runtime_error("in-process server: " + server.status().to_string());
    return std::move(server).value();
}

class LoopbackClient final : public sync::HttpClient {
  public:
    LoopbackClient(const server::RequestHandler& handler, std::atomic<std::int64_t>& requests)
        : handler_(handler), requests_(requests) {}

    bool concurrent_sends() const noexcept override { return true; }  // each send has its own io_context

    Result<sync::HttpResponse> send(const sync::HttpRequest& request, std::chrono::milliseconds) override {
        namespace http = boost::beast::http;
        server::HttpRequest wire;
        wire.method_string(request.method);
        wire.target(request.target);
        wire.version(11);
        for (const auto& [name, value] : request.headers)
            wire.insert(name, value);
        wire.body() = request.body;
        wire.prepare_payload();

        boost::asio::io_context io;
        auto guard = boost::asio::make_work_guard(io);  // UpdateRecords resumes from the writer thread
        std::optional<server::HttpResponse> answer;
        std::exception_ptr failed;
        boost::asio::co_spawn(io, handler_.handle(wire), [&](std::exception_ptr e, server::HttpResponse r) {
            failed = e;
            answer = std::move(r);
            guard.reset();
        });
        io.run();
        if (failed) std::rethrow_exception(failed);
        ++requests_;
        if (capture_enabled()) {
            std::ostringstream request_text, response_text;
            request_text << wire;
            response_text << *answer;
            capture_exchange(request_text.str(), response_text.str());
        }
        sync::HttpResponse response;
        response.status = static_cast<int>(answer->result_int());
        for (const auto& field : *answer)
            response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        response.body = std::move(answer->body());
        return response;
    }

  private:
    const server::RequestHandler& handler_;
    std::atomic<std::int64_t>& requests_;
};

}  // namespace

struct InProcessServer::Impl {
    Impl(const std::string& dir, const InProcessServerOptions& options)
        : instance(open_server(dir, options)), client(instance->handler(), requests) {}

    std::unique_ptr<server::Server> instance;
    std::atomic<std::int64_t> requests{0};
    LoopbackClient client;
};

InProcessServer::InProcessServer(const std::string& data_dir, InProcessServerOptions options)
    : impl_(std::make_unique<Impl>(data_dir, options)) {}

InProcessServer::~InProcessServer() = default;

sync::HttpClient& InProcessServer::client() {
    return impl_->client;
}

std::string InProcessServer::create_identity() {
    return impl_->instance->store().create_identity(kTestPool, now_millis()).value();
}

std::int64_t InProcessServer::requests() const {
    return impl_->requests.load();
}

}  // namespace synclatch::test
