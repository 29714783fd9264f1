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
      sync_api_(store, tokens_, clock) {}

HttpResponse RequestHandler::handle(const HttpRequest& request) const noexcept {
    try {
        return dispatch(request);
    } catch (const std::exception& e) {
        return error_response("InternalErrorException", e.what(), request.version(), false);
    } catch (...) {
        return error_response("InternalErrorException", "unexpected failure", request.version(), false);
    }
}

HttpResponse RequestHandler::dispatch(const HttpRequest& request) const {
    auto target = parse_target(request.target());
    if (!target.ok()) return error_response(target.status(), request.version(), request.keep_alive());

    if (target->segments.size() == 1 && target->segments[0] == "healthz" &&
        request.method() == http::verb::get) {
        return json_response(R"({"status":"ok"})", request.version(), request.keep_alive());
    }
    if (target->segments.empty()) {
        const auto amz_target = request.find("X-Amz-Target");
        if (amz_target != request.end()) return identity_api_.handle(request, amz_target->value());
        return error_response("InvalidParameterException", "POST / needs an X-Amz-Target header",
                              request.version(), request.keep_alive());
    }
    auto principal = authenticate_(request, *target);
    if (!principal.ok()) return error_response(principal.status(), request.version(), request.keep_alive());
    return sync_api_.handle(request, *target, *principal);
}

}  // namespace synclatch::server
