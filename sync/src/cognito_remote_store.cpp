// Cognito Sync operations as signed HTTP requests, and their answers decoded.
#include "synclatch/sync/cognito_remote_store.hpp"

#include <nlohmann/json.hpp>

#include "synclatch/sync/detail/ascii.hpp"
#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::sync {

namespace {

core::EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string encode(std::string_view segment) {
    return detail::uri_encode(segment, false);
}

// The caller names the operation in the message (with_operation).
Result<nlohmann::json> json_object(const Result<std::string>& body) {
    if (!body.ok()) return body.status();
    auto parsed = parse_json_body(*body);
    if (!parsed.ok() || !parsed->is_object())
        return Status{Errc::invalid_argument, "the answer is not a JSON object"};
    return parsed;
}

Status with_operation(const Status& status, std::string_view operation) {
    return {status.code(), std::string(operation) + ": " + status.message()};
}

}  // namespace

CognitoRemoteStore::CognitoRemoteStore(HttpClient& http, CredentialsProvider& credentials,
                                       CognitoRemoteOptions options)
    : http_(http),
      credentials_(credentials),
      options_(std::move(options)),
      region_(!options_.region.empty()
                  ? options_.region
                  : options_.identity_pool_id.substr(0, options_.identity_pool_id.find(':'))) {}

Result<std::string> CognitoRemoteStore::identity_id() {
    return credentials_.identity_id();
}

Result<std::string> CognitoRemoteStore::dataset_path(std::string_view dataset) {
    auto identity = credentials_.identity_id();
    if (!identity.ok()) return identity.status();
    return "/identitypools/" + encode(options_.identity_pool_id) + "/identities/" + encode(*identity) +
           "/datasets/" + encode(dataset);
}

Result<std::string> CognitoRemoteStore::call(std::string_view method, const std::string& path,
                                             const std::string& query, const std::string& body) {
    for (int attempt = 0;; ++attempt) {
        auto credentials = credentials_.credentials();
        if (!credentials.ok()) return credentials.status();
        sigv4::Request wire;
        wire.method = std::string(method);
        wire.path = path;
        wire.query = query;
        wire.headers = {{"Host", options_.endpoint.authority()}};
        if (method == "POST") wire.headers.emplace_back("Content-Type", "application/json");
        wire.body = body;
        {
            std::lock_guard lock(signer_mutex_);
            const auto& current = signer_ ? signer_->credentials() : sigv4::Credentials{};
            if (!signer_ || current.access_key_id != credentials->access_key_id ||
                current.secret_key != credentials->secret_key ||
                current.session_token != credentials->session_token) {
                signer_.emplace(*credentials, region_, "cognito-sync");
            }
            signer_->sign(wire, sigv4::amz_date(options_.clock ? options_.clock() : system_now()));
        }
        HttpRequest request;
        request.method = std::move(wire.method);
        request.target = query.empty() ? path : path + "?" + query;
        request.headers = std::move(wire.headers);
        request.body = std::move(wire.body);
        auto response = http_.send(request, options_.deadline);
        if (!response.ok()) return response.status();
        if (response->status >= 200 && response->status < 300) return std::move(response->body);
        Status error = detail::status_from_error(*response);
        if (error.code() == Errc::unauthorized && attempt == 0) {
            credentials_.invalidate();  // expired or revoked: once more with fresh ones
            continue;
        }
        return error;
    }
}

Result<ListRecordsResult> CognitoRemoteStore::list_records(std::string_view dataset,
                                                           std::int64_t last_sync_count,
                                                           std::string_view next_token,
                                                           std::int64_t max_results) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    std::string query = "lastSyncCount=" + std::to_string(last_sync_count);
    if (max_results > 0) query += "&maxResults=" + std::to_string(max_results);
    if (!next_token.empty()) query += "&nextToken=" + encode(next_token);
    auto answer = call("GET", *path + "/records", query, "");
    if (!answer.ok()) return with_operation(answer.status(), "ListRecords");
    auto page = decode_list_records_result(*answer);
    if (!page.ok()) return with_operation(page.status(), "ListRecords");
    return page;
}

Result<std::vector<WireRecord>> CognitoRemoteStore::update_records(std::string_view dataset,
                                                                   const std::vector<RecordPatch>& patches,
                                                                   std::string_view session_token,
                                                                   std::string_view device_id) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    auto answer = call("POST", *path, "", update_records_request_body(device_id, patches, session_token));
    if (!answer.ok()) return with_operation(answer.status(), "UpdateRecords");
    auto written = decode_update_records_answer(*answer);
    if (!written.ok()) return with_operation(written.status(), "UpdateRecords");
    return written;
}

Result<DatasetDescription> CognitoRemoteStore::delete_dataset(std::string_view dataset) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    auto json = json_object(call("DELETE", *path, "", ""));
    if (!json.ok()) return with_operation(json.status(), "DeleteDataset");
    if (!json->contains("Dataset")) return DatasetDescription{};
    return parse_dataset_description((*json)["Dataset"]);
}

Result<DatasetDescription> CognitoRemoteStore::describe_dataset(std::string_view dataset) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    auto json = json_object(call("GET", *path, "", ""));
    if (!json.ok()) return with_operation(json.status(), "DescribeDataset");
    if (!json->contains("Dataset")) return Status{Errc::invalid_argument, "DescribeDataset: no Dataset"};
    return parse_dataset_description((*json)["Dataset"]);
}

Result<std::vector<DatasetDescription>> CognitoRemoteStore::list_datasets() {
    auto identity = credentials_.identity_id();
    if (!identity.ok()) return identity.status();
    const std::string path = "/identitypools/" + encode(options_.identity_pool_id) + "/identities/" +
                             encode(*identity) + "/datasets";
    std::vector<DatasetDescription> all;
    std::string token;
    for (int page = 0; page < 10'000; ++page) {  // bounded: a server that loops its tokens cannot hang us
        std::string query = "maxResults=60";
        if (!token.empty()) query += "&nextToken=" + encode(token);
        auto json = json_object(call("GET", path, query, ""));
        if (!json.ok()) return with_operation(json.status(), "ListDatasets");
        if (json->contains("Datasets") && (*json)["Datasets"].is_array()) {
            for (const auto& item : (*json)["Datasets"]) {
                auto dataset = parse_dataset_description(item);
                if (!dataset.ok()) return with_operation(dataset.status(), "ListDatasets");
                all.push_back(std::move(dataset).value());
            }
        }
        if (!json->contains("NextToken") || !(*json)["NextToken"].is_string()) return all;
        token = (*json)["NextToken"].get<std::string>();
    }
    return Status{Errc::internal, "ListDatasets: the server kept answering with NextToken"};
}

Result<std::string> CognitoRemoteStore::register_device(std::string_view platform, std::string_view token) {
    auto identity = credentials_.identity_id();
    if (!identity.ok()) return identity.status();
    const std::string path =
        "/identitypools/" + encode(options_.identity_pool_id) + "/identity/" + encode(*identity) + "/device";
    const nlohmann::json body = {{"Platform", platform}, {"Token", token}};
    auto json = json_object(call("POST", path, "", body.dump()));
    if (!json.ok()) return with_operation(json.status(), "RegisterDevice");
    if (!json->contains("DeviceId") || !(*json)["DeviceId"].is_string())
        return Status{Errc::invalid_argument, "RegisterDevice: the answer has no DeviceId"};
    return (*json)["DeviceId"].get<std::string>();
}

Status CognitoRemoteStore::subscribe(std::string_view dataset, std::string_view device_id) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    auto answer = call("POST", *path + "/subscriptions/" + encode(device_id), "", "{}");
    return answer.ok() ? Status{} : with_operation(answer.status(), "SubscribeToDataset");
}

Status CognitoRemoteStore::unsubscribe(std::string_view dataset, std::string_view device_id) {
    auto path = dataset_path(dataset);
    if (!path.ok()) return path.status();
    auto answer = call("DELETE", *path + "/subscriptions/" + encode(device_id), "", "");
    return answer.ok() ? Status{} : with_operation(answer.status(), "UnsubscribeFromDataset");
}

}  // namespace synclatch::sync
