// Request dispatch and per-request metrics.
#include "api/request_handler.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "http/error_response.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;

namespace {

// Cognito Identity operations by name; anything else is "Unknown" so clients cannot mint metric labels.
std::string_view identity_operation(std::string_view amz_target) {
    constexpr std::string_view kPrefix = "AWSCognitoIdentityService.";
    if (!amz_target.starts_with(kPrefix)) return "Unknown";
    amz_target.remove_prefix(kPrefix.size());
    for (std::string_view known :
         {"GetId", "GetCredentialsForIdentity", "GetOpenIdToken", "UnlinkIdentity"}) {
        if (amz_target == known) return known;
    }
    return DeveloperIdentityApi::owns(amz_target) || IdentityPoolApi::owns(amz_target) ? amz_target
                                                                                       : "Unknown";
}

// The discovery document (OpenID Connect Discovery 1.0 §3) of the tokens GetOpenIdToken issues.
std::string openid_configuration(const std::string& issuer) {
    const std::string base = issuer.ends_with('/') ? issuer.substr(0, issuer.size() - 1) : issuer;
    return nlohmann::json{{"issuer", issuer},
                          {"jwks_uri", base + "/.well-known/jwks.json"},
                          {"response_types_supported", {"id_token"}},
                          {"subject_types_supported", {"public"}},
                          {"id_token_signing_alg_values_supported", {"RS256"}},
                          {"claims_supported", {"iss", "sub", "aud", "amr", "iat", "exp"}}}
        .dump();
}

}  // namespace

RequestHandler::RequestHandler(Storage& store, std::string secret, const OpenIdTokens& open_id_tokens,
                               Authenticator authenticate, std::function<EpochMillis()> clock,
                               EpochMillis credential_lifetime_ms, Metrics& metrics, PushHub* push,
                               BulkPublisher& bulk_publisher, const SyncTriggers& triggers,
                               IdentityLimits limits, LoginProviders* login_providers,
                               bool link_imported_logins)
    : open_id_tokens_(open_id_tokens),
      tokens_(std::move(secret), 60 * 60 * 1000),
      authenticate_(std::move(authenticate)),
      identity_api_(store, clock, credential_lifetime_ms, open_id_tokens_, metrics, limits, login_providers,
                    link_imported_logins),
      developer_identity_api_(store, clock, open_id_tokens_, login_providers),
      identity_pool_api_(store, login_providers, clock, store.bus()),
      sync_api_(store, tokens_, clock, push, bulk_publisher, triggers),
      streams_api_(store, clock),
      processors_api_(store, metrics, clock),
      metrics_(metrics),
      healthz_(R"({"status":"ok","deploymentId":")" + store.deployment_id() + "\"}"),
      openid_configuration_(openid_configuration(open_id_tokens_.issuer())) {}

boost::asio::awaitable<HttpResponse> RequestHandler::handle(const HttpRequest& request,
                                                            ClientInfo client) const {
    const auto start = std::chrono::steady_clock::now();
    std::string_view operation = "Unknown";
    std::string failure;
    HttpResponse response;
    try {
        response = co_await dispatch(request, client, operation);
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "unexpected failure";
    }
    if (!failure.empty())
        response = error_response("InternalErrorException", failure, request.version(), false);
    metrics_.record(operation, response.result_int(), std::chrono::steady_clock::now() - start);
    co_return response;
}

boost::asio::awaitable<HttpResponse> RequestHandler::dispatch(const HttpRequest& request,
                                                              const ClientInfo& client,
                                                              std::string_view& operation) const {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto target = parse_target(request.target());
    if (!target.ok()) co_return error_response(target.status(), version, keep_alive);

    const bool get = request.method() == http::verb::get;
    if (target->segments.size() == 1 && target->segments[0] == "healthz" && get) {
        operation = "Healthz";
        // The deployment id lets a peer refuse a bridge to a deployment with its own id.
        co_return json_response(healthz_, version, keep_alive);
    }
    if (target->segments.size() == 1 && target->segments[0] == "metrics" && get) {
        operation = "Metrics";
        HttpResponse response = json_response(metrics_.render(), version, keep_alive);
        response.set(http::field::content_type, "text/plain; version=0.0.4");
        co_return response;
    }
    // OpenID Connect discovery: an app's backend verifies our identity tokens with any JWT library.
    if (target->segments.size() == 2 && target->segments[0] == ".well-known" && get) {
        if (target->segments[1] == "jwks.json") {
            operation = "Jwks";
            co_return json_response(open_id_tokens_.jwks_json(), version, keep_alive);
        }
        if (target->segments[1] == "openid-configuration") {
            operation = "OpenIdConfiguration";
            co_return json_response(openid_configuration_, version, keep_alive);
        }
    }
    if (target->segments.empty()) {
        const auto amz_target = request.find("X-Amz-Target");
        if (amz_target == request.end()) {
            co_return error_response("InvalidParameterException", "POST / needs an X-Amz-Target header",
                                     version, keep_alive);
        }
        operation = identity_operation(amz_target->value());
        constexpr std::string_view kPrefix = "AWSCognitoIdentityService.";
        if (amz_target->value().starts_with(kPrefix)) {
            const std::string_view name = amz_target->value().substr(kPrefix.size());
            if (DeveloperIdentityApi::owns(name))
                co_return co_await developer_identity_api_.handle(request, operation,
                                                                  authenticate_(request, *target));
            if (IdentityPoolApi::owns(name))
                co_return co_await identity_pool_api_.handle(request, operation,
                                                             authenticate_(request, *target));
        }
        co_return co_await identity_api_.handle(request, amz_target->value(), client);
    }
    const bool streams = StreamsApi::owns(*target);
    const bool processors = ProcessorsApi::owns(*target);
    operation = streams ? "Streams" : processors ? "Processors" : SyncApi::operation_name(request, *target);
    auto principal = authenticate_(request, *target);
    if (!principal.ok()) co_return error_response(principal.status(), version, keep_alive);
    if (streams) co_return co_await streams_api_.handle(request, *target, *principal);
    if (processors) co_return processors_api_.handle(request, *target, *principal);
    co_return co_await sync_api_.handle(request, *target, *principal);
}

}  // namespace synclatch::server
