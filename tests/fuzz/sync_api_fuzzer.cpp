// Cognito Sync requests end to end in the server (server/src/sync_api.cpp and the routes around it): the
// input is one HTTP request as a client sends it (its Content-Length set to what follows the head, so
// that mutated bodies stay whole), read as the server reads it and answered by its
// RequestHandler (--auth none) on a real store. A body may say @SYNC_SESSION_TOKEN@ where UpdateRecords
// needs a token from ListRecords (an HMAC the fuzzer cannot make): it becomes one for the path's identity
// and dataset.
//  - The answer is a 2xx or a typed error the client's error decoder reads as the client's fault: never a
//    5xx, an exception or a crash, whatever the path, query or body.
//  - A 2xx answer is what the client's decoders take: ListRecords pages, datasets, written records,
//    usage, device ids, stream pages; records UpdateRecords reports are those the request named.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/sync_api.hpp"
#include "fuzz_support.hpp"
#include "http/request_target.hpp"
#include "stream_page.hpp"
#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace {

using namespace synclatch;
using json = nlohmann::json;
constexpr std::string_view kTokenPlaceholder = "@SYNC_SESSION_TOKEN@";

std::string describe(const server::HttpRequest& request, const server::HttpResponse& response) {
    return std::string(request.method_string()) + " " + std::string(request.target()) + " -> " +
           std::to_string(response.result_int()) + " " + response.body().substr(0, 1000);
}

void fill_in_session_token(server::HttpRequest& request, const server::RequestTarget& target) {
    std::string& body = request.body();
    const auto at = body.find(kTokenPlaceholder);
    if (at == std::string::npos) return;
    const auto& s = target.segments;
    const bool dataset_path =
        s.size() >= 6 && s[0] == "identitypools" && s[2] == "identities" && s[4] == "datasets";
    const std::string token = fuzz::FuzzServer::get().session_token(
        dataset_path ? s[3] : std::string(fuzz::kIdentity), dataset_path ? s[5] : "dataset");
    body.replace(at, kTokenPlaceholder.size(), token);
}

void check_error(const server::HttpRequest& request, const server::HttpResponse& response) {
    const std::string type(response["x-amzn-ErrorType"]);
    SYNCLATCH_FUZZ_CHECK(!type.empty(), "an error without x-amzn-ErrorType: " + describe(request, response));
    auto body = sync::parse_json_body(response.body());
    SYNCLATCH_FUZZ_CHECK(body.ok() && body->is_object() && body->value("__type", json()) == type &&
                             body->contains("message") && (*body)["message"].is_string(),
                         "an error body the SDKs cannot read: " + describe(request, response));
    const Status status = sync::detail::status_from_error(fuzz::to_client_response(response));
    SYNCLATCH_FUZZ_CHECK(status.code() != Errc::unavailable && status.code() != Errc::internal,
                         "the client reads a client error as the server's failure: " + status.to_string());
}

template <class Decode>
void decodes(const json& value, Decode decode, const char* what, const std::string& context) {
    auto decoded = decode(value);
    SYNCLATCH_FUZZ_CHECK(decoded.ok(), std::string("the client cannot read ") + what + ": " +
                                           decoded.status().to_string() + "\n  " + context);
}

void check_answer(const server::HttpRequest& request, const server::RequestTarget& target,
                  const server::HttpResponse& response) {
    const std::string context = describe(request, response);
    if (target.segments.size() == 1 && target.segments[0] == "metrics") return;  // Prometheus text
    const bool stream_read = target.segments.size() == 3 && target.segments[0] == "streams" &&
                             request.method() == boost::beast::http::verb::get;
    if (stream_read) {
        auto page = platform::detail::parse_stream_page(response.body());
        SYNCLATCH_FUZZ_CHECK(page.ok(), "the client cannot read a stream page: " + page.status().to_string() +
                                            "\n  " + context);
        return;
    }
    auto parsed = sync::parse_json_body(response.body());
    SYNCLATCH_FUZZ_CHECK(parsed.ok() && parsed->is_object(), "a 2xx the client cannot read: " + context);
    const json& body = *parsed;
    const std::string_view operation = server::SyncApi::operation_name(request, target);
    if (operation == "ListRecords") {
        decodes(body, sync::parse_list_records_result, "a ListRecords page", context);
    } else if (operation == "DescribeDataset" || operation == "DeleteDataset") {
        SYNCLATCH_FUZZ_CHECK(body.contains("Dataset") || operation == "DeleteDataset", context);
        if (body.contains("Dataset"))
            decodes(body["Dataset"], sync::parse_dataset_description, "a dataset", context);
    } else if (operation == "ListDatasets") {
        SYNCLATCH_FUZZ_CHECK(body.contains("Datasets") && body["Datasets"].is_array(), context);
        for (const auto& dataset : body["Datasets"])
            decodes(dataset, sync::parse_dataset_description, "a dataset", context);
    } else if (operation == "DescribeIdentityUsage") {
        SYNCLATCH_FUZZ_CHECK(body.contains("IdentityUsage"), context);
        decodes(body["IdentityUsage"], sync::parse_identity_usage, "an identity usage", context);
    } else if (operation == "RegisterDevice") {
        SYNCLATCH_FUZZ_CHECK(body.contains("DeviceId") && body["DeviceId"].is_string(), context);
    } else if (operation == "UpdateRecords") {
        SYNCLATCH_FUZZ_CHECK(body.contains("Records") && body["Records"].is_array(), context);
        auto update = sync::parse_update_records_request(sync::parse_json_text(request.body()));
        SYNCLATCH_FUZZ_CHECK(update.ok(),
                             "UpdateRecords answered 200 to a body it cannot decode: " + context);
        std::set<std::string> named;
        for (const auto& patch : update->record_patches)
            named.insert(patch.key);
        for (const auto& item : body["Records"]) {
            auto record = sync::parse_wire_record(item);
            SYNCLATCH_FUZZ_CHECK(record.ok(), "the client cannot read a written record: " + context);
            SYNCLATCH_FUZZ_CHECK(named.contains(record->key),
                                 "UpdateRecords wrote a key it was not given: " + context);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto request = fuzz::parse_request_as_server(fuzz::with_content_length(fuzz::as_text(data, size)));
    if (!request) return 0;  // refused before the handler: http_framing_fuzzer's business
    fuzz::FuzzServer::get().begin_input();
    // The target as the handler gets it, so that the checks below judge what it answered.
    fuzz::FuzzServer::drop_long_poll(*request);
    auto target = server::parse_target(request->target());
    if (target.ok()) fill_in_session_token(*request, *target);

    const server::HttpResponse response = fuzz::FuzzServer::get().handle(*request);
    SYNCLATCH_FUZZ_CHECK(response.result_int() < 500,
                         "a server error for a client's request: " + describe(*request, response));
    if (response.result_int() < 200 || response.result_int() >= 300) {
        check_error(*request, response);
        return 0;
    }
    SYNCLATCH_FUZZ_CHECK(target.ok(),
                         "a 2xx for a target that does not parse: " + describe(*request, response));
    check_answer(*request, *target, response);
    return 0;
}
