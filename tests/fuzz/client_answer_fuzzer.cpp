// The client's decoders of server answers: the input is one HTTP response (its Content-Length is set to
// the length of what follows the head, so that mutated bodies stay whole), read as BeastHttpClient reads
// one, then given as the answer to every call the client makes:
//  - aws_error.cpp's status_from_error (any status, headers and body),
//  - CognitoRemoteStore's ListRecords, UpdateRecords, DescribeDataset, DeleteDataset, ListDatasets,
//    RegisterDevice, Subscribe and Unsubscribe,
//  - CognitoIdentityCredentials' GetId and GetCredentialsForIdentity,
//  - ServerStreams' stream page reader (platform/src/stream_page.hpp).
// None may throw or crash, whatever the server says. What they accept encodes as the server encodes it
// and decodes to the same again (round trip).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api/streams_api.hpp"
#include "fuzz_support.hpp"
#include "stream_page.hpp"
#include "synclatch/sync/cognito_remote_store.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace {

using namespace synclatch;
using json = nlohmann::json;

const sync::HttpResponse kEmptyAnswer{200, {{"Content-Type", "application/json"}}, "{}"};

sync::Endpoint endpoint() {
    return sync::parse_endpoint("http://localhost").value();
}

void check_status(const sync::HttpResponse& response) {
    const Status status = sync::detail::status_from_error(response);
    SYNCLATCH_FUZZ_CHECK(!status.ok() && !status.message().empty(), "an error answer read as no error");
}

// What CognitoRemoteStore gives back, for each of its calls, with `answer` as the server's.
void check_remote_store(const sync::HttpResponse& answer) {
    auto store_with = [&](fuzz::ScriptedHttpClient& http, sync::StaticCredentials& credentials) {
        return sync::CognitoRemoteStore(
            http, credentials,
            {endpoint(), std::string(fuzz::kPool), "", std::chrono::seconds(1), [] { return fuzz::kNow; }});
    };
    sync::StaticCredentials credentials({"AKID", "secret", ""}, std::string(fuzz::kIdentity));
    {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        auto page = store_with(http, credentials).list_records("dataset", 0, "", 0);
        if (page.ok()) {
            const std::string text = sync::list_records_body(*page);
            auto again = sync::parse_list_records_result(sync::parse_json_text(text));
            SYNCLATCH_FUZZ_CHECK(
                again.ok() && *again == *page,
                "a ListRecords page differs once encoded and decoded: " + text.substr(0, 1000));
        }
    }
    {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        const std::vector<sync::RecordPatch> patches{{sync::PatchOp::replace, "k", "v", 0, fuzz::kNow}};
        auto written = store_with(http, credentials).update_records("dataset", patches, "token", "device");
        if (written.ok()) {
            const std::string text = sync::update_records_body(*written);
            const json parsed = sync::parse_json_text(text);
            SYNCLATCH_FUZZ_CHECK(parsed.is_object() && parsed["Records"].size() == written->size(), text);
            for (std::size_t i = 0; i < written->size(); ++i) {
                auto again = sync::parse_wire_record(parsed["Records"][i]);
                SYNCLATCH_FUZZ_CHECK(again.ok() && *again == (*written)[i],
                                     "a written record differs once encoded and decoded");
            }
        }
    }
    for (int call = 0; call < 2; ++call) {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        auto remote = store_with(http, credentials);
        auto dataset = call == 0 ? remote.describe_dataset("dataset") : remote.delete_dataset("dataset");
        if (dataset.ok()) {
            auto again =
                sync::parse_dataset_description(sync::parse_json_text(sync::to_json(*dataset).dump()));
            SYNCLATCH_FUZZ_CHECK(call == 1 || (again.ok() && *again == *dataset),
                                 "a dataset differs once encoded and decoded");
        }
    }
    {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        auto datasets = store_with(http, credentials).list_datasets();
        SYNCLATCH_FUZZ_CHECK(http.sent() <= 3, "ListDatasets kept asking: " + std::to_string(http.sent()));
        (void)datasets;
    }
    {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        auto remote = store_with(http, credentials);
        (void)remote.register_device("GCM", "token");
        (void)remote.subscribe("dataset", "device");
        (void)remote.unsubscribe("dataset", "device");
    }
}

void check_identity(const sync::HttpResponse& answer) {
    sync::CognitoIdentityOptions options;
    options.endpoint = endpoint();
    options.identity_pool_id = std::string(fuzz::kPool);
    options.clock = [] { return fuzz::kNow; };
    {
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        sync::CognitoIdentityCredentials provider(http, options);  // GetId first
        auto identity = provider.identity_id();
        SYNCLATCH_FUZZ_CHECK(!identity.ok() || !identity->empty(), "GetId gave an empty identity");
    }
    {
        options.cached_identity_id = std::string(fuzz::kIdentity);
        fuzz::ScriptedHttpClient http(answer, kEmptyAnswer);
        sync::CognitoIdentityCredentials provider(http, options);
        auto credentials = provider.credentials();
        SYNCLATCH_FUZZ_CHECK(
            !credentials.ok() || (!credentials->access_key_id.empty() && !credentials->secret_key.empty()),
            "GetCredentialsForIdentity gave credentials without a key");
    }
}

void check_stream_page(const sync::HttpResponse& answer) {
    auto page = platform::detail::parse_stream_page(answer.body);
    if (!page.ok()) {
        SYNCLATCH_FUZZ_CHECK(page.status().code() == Errc::invalid_argument, page.status().to_string());
        return;
    }
    // Encoded as the server encodes a page (streams_api.cpp), it reads back the same.
    json records = json::array();
    for (const auto& r : page->records)
        records.push_back(
            server::stream_record_json({r.sequence_number, "events", r.partition_key, r.data, r.arrival}));
    const std::string text =
        json{{"Records", records}, {"LastSequenceNumber", page->last_sequence_number}}.dump();
    auto again = platform::detail::parse_stream_page(text);
    SYNCLATCH_FUZZ_CHECK(again.ok() && again->last_sequence_number == page->last_sequence_number &&
                             again->records.size() == page->records.size(),
                         "a stream page differs once encoded and decoded: " + text.substr(0, 1000));
    for (std::size_t i = 0; i < page->records.size(); ++i) {
        const auto& a = page->records[i];
        const auto& b = again->records[i];
        SYNCLATCH_FUZZ_CHECK(a.sequence_number == b.sequence_number && a.partition_key == b.partition_key &&
                                 a.data == b.data && a.arrival == b.arrival,
                             "a stream record differs once encoded and decoded: " + text.substr(0, 1000));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto answer = fuzz::parse_response_as_client(fuzz::with_content_length(fuzz::as_text(data, size)));
    if (!answer) return 0;  // BeastHttpClient reports a malformed answer as a transport error
    check_status(*answer);
    check_remote_store(*answer);
    check_identity(*answer);
    check_stream_page(*answer);
    return 0;
}
