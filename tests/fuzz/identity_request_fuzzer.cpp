// Cognito Identity requests (server/src/identity_api.cpp): POST / with X-Amz-Target, through the server's
// RequestHandler on a real store. The input's first line is the X-Amz-Target value, the rest the body.
//  - The answer is a 200 or a typed error (x-amzn-ErrorType and a {"__type", "message"} body that the
//    client's error decoder maps back to the same kind): never a 5xx, an exception or a crash.
//  - A 200 says what the client needs, and the client's decoders take it: GetId's identity exists in the
//    pool asked for; GetCredentialsForIdentity's credentials, read by CognitoIdentityCredentials, sign
//    requests the server accepts as that identity; GetOpenIdToken names the identity; the developer's
//    calls (the pool has a developer provider; auth none lets the fuzzer make them) name identities the
//    store has, GetOpenIdTokenForDeveloperIdentity a token that verifies, the unlinks answer {};
//    DeleteIdentities leaves none of its identities; the pool calls answer pools the store has (and
//    DeleteIdentityPool none).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_support.hpp"
#include "store/storage.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace {

using namespace synclatch;
using json = nlohmann::json;
constexpr std::string_view kPrefix = "AWSCognitoIdentityService.";

std::string describe(const server::HttpResponse& response) {
    return std::to_string(response.result_int()) + " " + response.body().substr(0, 1000);
}

void check_error(const server::HttpResponse& response) {
    const std::string type(response["x-amzn-ErrorType"]);
    SYNCLATCH_FUZZ_CHECK(!type.empty(), "an error without x-amzn-ErrorType: " + describe(response));
    auto body = sync::parse_json_body(response.body());
    SYNCLATCH_FUZZ_CHECK(body.ok() && body->is_object() && body->value("__type", json()) == type &&
                             body->contains("message") && (*body)["message"].is_string(),
                         "an error body the SDKs cannot read: " + describe(response));
    const Status status = sync::detail::status_from_error(fuzz::to_client_response(response));
    SYNCLATCH_FUZZ_CHECK(status.code() != Errc::unavailable && status.code() != Errc::internal,
                         "the client reads a client error as the server's failure: " + status.to_string());
}

void check_credentials(const json& answer, const std::string& identity,
                       const server::HttpResponse& response) {
    fuzz::ScriptedHttpClient http(fuzz::to_client_response(response), {});
    sync::CognitoIdentityOptions options;
    options.endpoint = sync::parse_endpoint("http://localhost").value();
    options.identity_pool_id = std::string(fuzz::kPool);
    options.cached_identity_id = identity;
    options.clock = [] { return fuzz::kNow; };
    sync::CognitoIdentityCredentials provider(http, options);
    auto credentials = provider.credentials();
    SYNCLATCH_FUZZ_CHECK(credentials.ok(), "the client cannot read GetCredentialsForIdentity's answer: " +
                                               credentials.status().to_string() + " " + describe(response));
    SYNCLATCH_FUZZ_CHECK(credentials->access_key_id == answer["Credentials"]["AccessKeyId"],
                         describe(response));

    // The credentials sign a request that the server takes as that identity.
    sync::sigv4::Request wire{
        "GET", "/identitypools/x/identities/y/datasets", "", {{"Host", "localhost"}}, ""};
    sync::sigv4::sign(wire, *credentials, "us-east-1", "cognito-sync", sync::sigv4::amz_date(fuzz::kNow));
    server::HttpRequest request;
    request.method(boost::beast::http::verb::get);
    request.target(wire.path);
    request.version(11);
    for (const auto& [name, value] : wire.headers)
        request.insert(name, value);
    auto principal = fuzz::FuzzServer::get().authenticate(request);
    SYNCLATCH_FUZZ_CHECK(principal.ok() && principal->identity_id == identity,
                         "issued credentials are refused: " + principal.status().to_string());
}

void check_success(std::string_view operation, const json& request_body,
                   const server::HttpResponse& response) {
    auto body = sync::parse_json_body(response.body());
    SYNCLATCH_FUZZ_CHECK(body.ok() && body->is_object(),
                         "a 200 the client cannot read: " + describe(response));
    const json& answer = *body;
    if (operation == "UnlinkIdentity" || operation == "UnlinkDeveloperIdentity") {
        SYNCLATCH_FUZZ_CHECK(answer.empty(), "an unlink answers {}: " + describe(response));
        return;
    }
    if (operation == "DeleteIdentities") {
        const json nothing_unprocessed = {{"UnprocessedIdentityIds", json::array()}};
        SYNCLATCH_FUZZ_CHECK(answer == nothing_unprocessed, describe(response));
        for (const auto& id : request_body.value("IdentityIdsToDelete", json::array()))
            SYNCLATCH_FUZZ_CHECK(!fuzz::FuzzServer::get().store().pool_of(id.get<std::string>()).ok(),
                                 "DeleteIdentities left an identity: " + describe(response));
        return;
    }
    if (operation == "CreateIdentityPool" || operation == "DescribeIdentityPool" ||
        operation == "UpdateIdentityPool") {
        const json& pool = answer.value("IdentityPoolId", json());
        SYNCLATCH_FUZZ_CHECK(pool.is_string() && answer.value("IdentityPoolName", json()).is_string() &&
                                 answer.value("AllowUnauthenticatedIdentities", json()).is_boolean(),
                             "an IdentityPool the SDKs cannot read: " + describe(response));
        SYNCLATCH_FUZZ_CHECK(fuzz::FuzzServer::get().store().pool_exists(pool.get<std::string>()),
                             "an answer names a pool the store does not have: " + describe(response));
        if (operation != "CreateIdentityPool")
            SYNCLATCH_FUZZ_CHECK(pool == request_body.value("IdentityPoolId", json()), describe(response));
        return;
    }
    if (operation == "ListIdentityPools") {
        const json& pools = answer.value("IdentityPools", json());
        SYNCLATCH_FUZZ_CHECK(
            pools.is_array() && pools.size() <= request_body.value("MaxResults", json(0)).get<std::size_t>(),
            "ListIdentityPools answers more than MaxResults: " + describe(response));
        return;
    }
    if (operation == "DeleteIdentityPool") {
        SYNCLATCH_FUZZ_CHECK(answer.empty(), describe(response));
        SYNCLATCH_FUZZ_CHECK(
            !fuzz::FuzzServer::get().store().pool_exists(request_body.value("IdentityPoolId", "")),
            "DeleteIdentityPool left its pool: " + describe(response));
        return;
    }
    if (operation == "ListIdentities") {
        SYNCLATCH_FUZZ_CHECK(
            answer.value("IdentityPoolId", json()) == request_body.value("IdentityPoolId", json()),
            describe(response));
        const json& identities = answer.value("Identities", json());
        SYNCLATCH_FUZZ_CHECK(
            identities.is_array() &&
                identities.size() <= request_body.value("MaxResults", json(0)).get<std::size_t>(),
            "ListIdentities answers more than MaxResults: " + describe(response));
        for (const auto& listed : identities) {
            SYNCLATCH_FUZZ_CHECK(
                listed.contains("IdentityId") && listed["IdentityId"].is_string() &&
                    fuzz::FuzzServer::get().store().pool_of(listed["IdentityId"].get<std::string>()).ok(),
                "ListIdentities names an identity the store does not have: " + describe(response));
        }
        return;
    }
    SYNCLATCH_FUZZ_CHECK(answer.contains("IdentityId") && answer["IdentityId"].is_string(),
                         describe(response));
    const std::string identity = answer["IdentityId"];
    SYNCLATCH_FUZZ_CHECK(core::validate_identity_id(identity).ok(), describe(response));
    auto pool = fuzz::FuzzServer::get().store().pool_of(identity);
    SYNCLATCH_FUZZ_CHECK(pool.ok(),
                         "an answer names an identity the store does not have: " + describe(response));
    if (operation == "GetId") {
        SYNCLATCH_FUZZ_CHECK(request_body.value("IdentityPoolId", json()) == *pool,
                             "GetId made an identity in another pool: " + describe(response));
    } else if (operation == "GetCredentialsForIdentity") {
        // The identity asked for, or the one it was merged into (a merged guest with the user's token).
        const std::string asked = request_body.value("IdentityId", "");
        const auto survivor = fuzz::FuzzServer::get().store().survivor_of(asked);
        SYNCLATCH_FUZZ_CHECK(asked == identity || (survivor.ok() && *survivor == identity),
                             describe(response));
        check_credentials(answer, identity, response);
    } else if (operation == "DescribeIdentity") {
        SYNCLATCH_FUZZ_CHECK(request_body.value("IdentityId", json()) == identity, describe(response));
        SYNCLATCH_FUZZ_CHECK(answer.value("Logins", json()).is_array(), describe(response));
    } else if (operation == "GetOpenIdTokenForDeveloperIdentity") {
        SYNCLATCH_FUZZ_CHECK(
            answer.contains("Token") && answer["Token"].is_string() &&
                fuzz::FuzzServer::get()
                    .open_id_tokens()
                    .verify(answer["Token"].get<std::string>(), *pool, fuzz::kNow)
                    .ok(),
            "GetOpenIdTokenForDeveloperIdentity's token does not verify: " + describe(response));
    } else if (operation == "LookupDeveloperIdentity" || operation == "MergeDeveloperIdentities") {
        // The identity named exists (checked above).
    } else if (operation == "GetOpenIdToken") {
        SYNCLATCH_FUZZ_CHECK(request_body.value("IdentityId", json()) == identity, describe(response));
        SYNCLATCH_FUZZ_CHECK(answer.contains("Token") && answer["Token"].is_string() &&
                                 !answer["Token"].get_ref<const std::string&>().empty(),
                             describe(response));
    } else {
        SYNCLATCH_FUZZ_CHECK(false, "a 200 for an operation that does not exist: " + describe(response));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzServer::get().begin_input();
    const auto [amz_target, body] = fuzz::split_first_line(fuzz::as_text(data, size));
    if (amz_target.find('\r') != std::string_view::npos) return 0;  // it would end the header line
    const std::string text =
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: " +
        std::string(amz_target) + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
        std::string(body);
    auto request = fuzz::parse_request_as_server(text);
    if (!request) return 0;  // the server would refuse it before the handler

    const server::HttpResponse response = fuzz::FuzzServer::get().handle(*request);
    SYNCLATCH_FUZZ_CHECK(response.result_int() < 500,
                         "a server error for a client's request: " + describe(response));
    if (response.result_int() != 200) {
        check_error(response);
        return 0;
    }
    const std::string_view value = (*request)["X-Amz-Target"];
    SYNCLATCH_FUZZ_CHECK(value.starts_with(kPrefix), "a 200 for X-Amz-Target " + std::string(value));
    check_success(value.substr(kPrefix.size()), sync::parse_json_text(request->body()), response);
    return 0;
}
