// Request dispatch.
#include "request_handler.hpp"

#include "error_response.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;

RequestHandler::RequestHandler(SyncStore& store, std::string secret, Authenticator authenticate,
                               std::function<EpochMillis()> clock, EpochMillis credential_lifetime_ms)
    : tokens_(std::move(secret), 60 * 60 * 1000),
      authenticate_(std::move(authenticate)),
      identity_api_(store, clock, credential_lifetime_ms),
      sync_api_(store, tokens_, clock),
      streams_api_(store, clock) {}

boost::asio::awaitable<HttpResponse> RequestHandler::handle(const HttpRequest& request) const {
    std::string failure;
    try {
        co_return co_await dispatch(request);
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unexpected failure";
    }
    co_return error_response("InternalErrorException", failure, request.version(), false);
}

boost::asio::awaitable<HttpResponse> RequestHandler::dispatch(const HttpRequest& request) const {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto target = parse_target(request.target());
    if (!target.ok()) co_return error_response(target.status(), version, keep_alive);

    if (target->segments.size() == 1 && target->segments[0] == "healthz" &&
        request.method() == http::verb::get) {
        co_return json_response(R"({"status":"ok"})", version, keep_alive);
    }
    if (target->segments.empty()) {
        const auto amz_target = request.find("X-Amz-Target");
        if (amz_target != request.end()) co_return identity_api_.handle(request, amz_target->value());
        co_return error_response("InvalidParameterException", "POST / needs an X-Amz-Target header", version,
                                 keep_alive);
    }
    auto principal = authenticate_(request, *target);
    if (!principal.ok()) co_return error_response(principal.status(), version, keep_alive);
    if (StreamsApi::owns(*target)) co_return co_await streams_api_.handle(request, *target, *principal);
    co_return sync_api_.handle(request, *target, *principal);
}

}  // namespace synclatch::server
