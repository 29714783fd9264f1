// The Cognito Identity (JSON 1.1 over POST /) and Cognito Sync (REST) calls the import makes, each one
// paced, signed, retried when the source asks us to slow down, and its answer checked.
#include "import/cognito_source.hpp"

#include <algorithm>
#include <thread>

#include "synclatch/sync/detail/ascii.hpp"
#include "synclatch/sync/detail/aws_error.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr int kMaxPages = 1'000;  // a source that loops its tokens cannot hang the import
// Far past Cognito's own limits (20 datasets an identity; a few developer user ids), so that a source
// cannot make the import hold more than this for one identity.
constexpr std::size_t kMaxListed = 10'000;

std::string encode(std::string_view segment) {
    return sync::detail::uri_encode(segment, false);
}

std::int64_t system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status named(std::string_view operation, const Status& status) {
    return {status.code(), std::string(operation) + ": " + status.message()};
}

// Worth sending again unchanged: the source throttled (Cognito answers LimitExceededException for
// request rates too) or failed for a while.
bool transient(Errc code) {
    return code == Errc::throttled || code == Errc::limit_exceeded || code == Errc::unavailable ||
           code == Errc::timeout;
}

Result<std::string> string_member(const json& object, const char* name, std::string_view operation) {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
        return Status{Errc::invalid_argument, std::string(operation) + ": the answer has no " + name};
    return it->get<std::string>();
}

std::optional<std::string> next_token(const json& answer) {
    const auto it = answer.find("NextToken");
    if (it == answer.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
        return std::nullopt;
    return it->get<std::string>();
}

}  // namespace

sync::Endpoint aws_identity_endpoint(std::string_view region) {
    return sync::Endpoint{true, "cognito-identity." + std::string(region) + ".amazonaws.com", 443};
}

sync::Endpoint aws_sync_endpoint(std::string_view region) {
    return sync::Endpoint{true, "cognito-sync." + std::string(region) + ".amazonaws.com", 443};
}

CognitoSource::CognitoSource(sync::HttpClient& http_identity, sync::HttpClient& http_sync,
                             CognitoSourceOptions options)
    : http_identity_(http_identity),
      http_sync_(http_sync),
      options_(std::move(options)),
      region_(!options_.region.empty() ? options_.region
                                       : options_.pool_id.substr(0, options_.pool_id.find(':'))),
      identity_signer_(options_.credentials, region_, "cognito-identity"),
      sync_signer_(options_.credentials, region_, "cognito-sync"),
      jitter_(std::random_device{}()) {}

void CognitoSource::sleep_for(std::chrono::milliseconds duration) {
    if (options_.sleep) return options_.sleep(duration);  // every wait, a zero one too
    if (duration <= std::chrono::milliseconds::zero()) return;
    // In slices, so that a stop request is seen within a quarter of a second.
    const auto until = std::chrono::steady_clock::now() + duration;
    while (!stopped()) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return;
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(250)));
    }
}

void CognitoSource::pace() {
    if (options_.requests_per_second <= 0) return;
    const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / options_.requests_per_second));
    const auto now = std::chrono::steady_clock::now();
    if (next_request_ > now) sleep_for(std::chrono::ceil<std::chrono::milliseconds>(next_request_ - now));
    next_request_ = std::max(next_request_, now) + interval;
}

Result<std::string> CognitoSource::call(std::string_view operation, bool identity_api,
                                        std::string_view method, const std::string& path,
                                        const std::string& query, const std::string& body) {
    Status last{Errc::internal, "not sent"};
    for (int attempt = 1; attempt <= std::max(1, options_.max_attempts); ++attempt) {
        if (stopped()) return Status{Errc::cancelled, std::string(operation) + ": stopped"};
        pace();
        const sync::Endpoint& endpoint = identity_api ? options_.identity_endpoint : options_.sync_endpoint;
        sync::sigv4::Request wire;
        wire.method = std::string(method);
        wire.path = path;
        wire.query = query;
        wire.headers = {{"Host", endpoint.authority()}};
        if (identity_api) {
            wire.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
            wire.headers.emplace_back("X-Amz-Target", "AWSCognitoIdentityService." + std::string(operation));
        }
        wire.body = body;
        (identity_api ? identity_signer_ : sync_signer_)
            .sign(wire, sync::sigv4::amz_date(options_.clock ? options_.clock() : system_now()));
        sync::HttpRequest request;
        request.method = std::move(wire.method);
        request.target = query.empty() ? path : path + "?" + query;
        request.headers = std::move(wire.headers);
        request.body = std::move(wire.body);
        ++counters_.requests;
        if (attempt > 1) ++counters_.retried;
        auto response = (identity_api ? http_identity_ : http_sync_).send(request, options_.deadline);
        if (response.ok() && response->status >= 200 && response->status < 300)
            return std::move(response->body);
        last = response.ok() ? sync::detail::status_from_error(*response) : response.status();
        if (!transient(last.code())) break;
        if (last.code() == Errc::throttled || last.code() == Errc::limit_exceeded) ++counters_.throttled;
        if (attempt == options_.max_attempts) break;
        // Full jitter (a random wait up to an exponentially growing cap): importers that were throttled
        // together do not come back together.
        const auto cap = std::min<std::int64_t>(options_.max_backoff.count(),
                                                options_.first_backoff.count() << std::min(attempt - 1, 20));
        sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, cap)(jitter_)));
    }
    return named(operation, last);
}

Result<json> CognitoSource::call_json(std::string_view operation, bool identity_api, std::string_view method,
                                      const std::string& path, const std::string& query,
                                      const std::string& body) {
    auto answer = call(operation, identity_api, method, path, query, body);
    if (!answer.ok()) return answer.status();
    auto parsed = sync::parse_json_body(*answer);
    if (!parsed.ok() || !parsed->is_object())
        return Status{Errc::invalid_argument, std::string(operation) + ": the answer is not a JSON object"};
    return parsed;
}

Result<json> CognitoSource::identity_call(std::string_view operation, const json& body) {
    return call_json(operation, true, "POST", "/", "", body.dump());
}

std::string CognitoSource::pool_path() const {
    return "/identitypools/" + encode(options_.pool_id);
}

Result<SourcePool> CognitoSource::describe_identity_pool() {
    auto answer = identity_call("DescribeIdentityPool", {{"IdentityPoolId", options_.pool_id}});
    if (!answer.ok()) return answer.status();
    SourcePool pool;
    pool.description = *answer;
    if (auto name = answer->find("IdentityPoolName"); name != answer->end() && name->is_string())
        pool.name = name->get<std::string>();
    if (auto allow = answer->find("AllowUnauthenticatedIdentities");
        allow != answer->end() && allow->is_boolean())
        pool.allow_unauthenticated = allow->get<bool>();
    if (auto developer = answer->find("DeveloperProviderName");
        developer != answer->end() && developer->is_string() &&
        !developer->get_ref<const std::string&>().empty())
        pool.developer_provider = developer->get<std::string>();
    if (auto supported = answer->find("SupportedLoginProviders");
        supported != answer->end() && supported->is_object()) {
        for (const auto& [name, app_id] : supported->items())
            pool.login_providers.push_back(name);
    }
    for (const char* list : {"OpenIdConnectProviderARNs", "SamlProviderARNs"}) {
        if (auto arns = answer->find(list); arns != answer->end() && arns->is_array()) {
            for (const auto& arn : *arns)
                if (arn.is_string()) pool.login_providers.push_back(arn.get<std::string>());
        }
    }
    if (auto user_pools = answer->find("CognitoIdentityProviders");
        user_pools != answer->end() && user_pools->is_array()) {
        for (const auto& provider : *user_pools) {
            if (provider.is_object() && provider.contains("ProviderName") &&
                provider["ProviderName"].is_string())
                pool.login_providers.push_back(provider["ProviderName"].get<std::string>());
        }
    }
    return pool;
}

Result<std::int64_t> CognitoSource::data_storage() {
    auto answer = call_json("DescribeIdentityPoolUsage", false, "GET", pool_path(), "", "");
    if (!answer.ok()) return answer.status();
    const auto usage = answer->find("IdentityPoolUsage");
    if (usage == answer->end() || !usage->is_object())
        return Status{Errc::invalid_argument,
                      "DescribeIdentityPoolUsage: the answer has no IdentityPoolUsage"};
    const auto storage = usage->find("DataStorage");
    if (storage == usage->end()) return std::int64_t{0};
    if (!storage->is_number_integer() || storage->get<std::int64_t>() < 0)
        return Status{Errc::invalid_argument, "DescribeIdentityPoolUsage: DataStorage is not a count"};
    return storage->get<std::int64_t>();
}

Result<SourceIdentityPage> CognitoSource::list_identities(std::string_view token) {
    json body = {{"IdentityPoolId", options_.pool_id}, {"MaxResults", 60}, {"HideDisabled", false}};
    if (!token.empty()) body["NextToken"] = token;
    auto answer = identity_call("ListIdentities", body);
    if (!answer.ok()) return answer.status();
    SourceIdentityPage page;
    page.next_token = next_token(*answer);
    const auto identities = answer->find("Identities");
    if (identities == answer->end()) return page;
    if (!identities->is_array())
        return Status{Errc::invalid_argument, "ListIdentities: Identities is not a list"};
    for (const auto& entry : *identities) {
        if (!entry.is_object())
            return Status{Errc::invalid_argument, "ListIdentities: an identity is not an object"};
        SourceIdentity identity;
        auto id = string_member(entry, "IdentityId", "ListIdentities");
        if (!id.ok()) return id.status();
        identity.identity_id = std::move(id).value();
        if (auto logins = entry.find("Logins"); logins != entry.end()) {
            if (!logins->is_array())
                return Status{Errc::invalid_argument, "ListIdentities: Logins is not a list"};
            for (const auto& provider : *logins) {
                if (!provider.is_string())
                    return Status{Errc::invalid_argument, "ListIdentities: a login is not a string"};
                identity.login_providers.push_back(provider.get<std::string>());
            }
        }
        for (auto [member, into] : {std::pair{"CreationDate", &identity.created},
                                    std::pair{"LastModifiedDate", &identity.last_modified}}) {
            if (!entry.contains(member)) continue;
            auto date = sync::parse_epoch_seconds(entry[member], member);
            if (!date.ok()) return named("ListIdentities", date.status());
            *into = *date;
        }
        page.identities.push_back(std::move(identity));
    }
    return page;
}

Result<std::vector<std::string>> CognitoSource::developer_user_identifiers(std::string_view identity_id) {
    std::vector<std::string> all;
    std::string token;
    for (int page = 0; page < kMaxPages; ++page) {
        json body = {{"IdentityPoolId", options_.pool_id}, {"IdentityId", identity_id}, {"MaxResults", 60}};
        if (!token.empty()) body["NextToken"] = token;
        auto answer = identity_call("LookupDeveloperIdentity", body);
        if (!answer.ok()) return answer.status();
        if (auto list = answer->find("DeveloperUserIdentifierList"); list != answer->end()) {
            if (!list->is_array())
                return Status{Errc::invalid_argument,
                              "LookupDeveloperIdentity: DeveloperUserIdentifierList is not a list"};
            for (const auto& user : *list) {
                if (!user.is_string() || user.get_ref<const std::string&>().empty())
                    return Status{Errc::invalid_argument,
                                  "LookupDeveloperIdentity: a user identifier is not a string"};
                all.push_back(user.get<std::string>());
            }
        }
        if (all.size() > kMaxListed)
            return Status{Errc::invalid_argument,
                          "LookupDeveloperIdentity: more user identifiers than Cognito keeps"};
        auto next = next_token(*answer);
        if (!next) return all;
        token = std::move(*next);
    }
    return Status{Errc::invalid_argument,
                  "LookupDeveloperIdentity: the source kept answering with NextToken"};
}

Result<std::vector<sync::DatasetDescription>> CognitoSource::list_datasets(std::string_view identity_id) {
    const std::string path = pool_path() + "/identities/" + encode(identity_id) + "/datasets";
    std::vector<sync::DatasetDescription> all;
    std::string token;
    for (int page = 0; page < kMaxPages; ++page) {
        std::string query = "maxResults=60";
        if (!token.empty()) query += "&nextToken=" + encode(token);
        auto answer = call_json("ListDatasets", false, "GET", path, query, "");
        if (!answer.ok()) return answer.status();
        if (auto datasets = answer->find("Datasets"); datasets != answer->end()) {
            if (!datasets->is_array())
                return Status{Errc::invalid_argument, "ListDatasets: Datasets is not a list"};
            for (const auto& item : *datasets) {
                auto dataset = sync::parse_dataset_description(item);
                if (!dataset.ok()) return named("ListDatasets", dataset.status());
                if (dataset->dataset_name.empty())
                    return Status{Errc::invalid_argument, "ListDatasets: a dataset has no DatasetName"};
                all.push_back(std::move(dataset).value());
            }
        }
        if (all.size() > kMaxListed)
            return Status{Errc::invalid_argument,
                          "ListDatasets: more datasets than Cognito allows an identity"};
        auto next = next_token(*answer);
        if (!next) return all;
        token = std::move(*next);
    }
    return Status{Errc::invalid_argument, "ListDatasets: the source kept answering with NextToken"};
}

Result<sync::ListRecordsResult> CognitoSource::list_records(std::string_view identity_id,
                                                            std::string_view dataset,
                                                            std::string_view token) {
    const std::string path =
        pool_path() + "/identities/" + encode(identity_id) + "/datasets/" + encode(dataset) + "/records";
    std::string query = "lastSyncCount=0&maxResults=1024";
    if (!token.empty()) query += "&nextToken=" + encode(token);
    auto answer = call("ListRecords", false, "GET", path, query, "");
    if (!answer.ok()) return answer.status();
    auto page = sync::decode_list_records_result(*answer);
    if (!page.ok()) return named("ListRecords", page.status());
    return page;
}

Result<json> CognitoSource::pool_configuration() {
    return call_json("GetIdentityPoolConfiguration", false, "GET", pool_path() + "/configuration", "", "");
}

Result<json> CognitoSource::cognito_events() {
    return call_json("GetCognitoEvents", false, "GET", pool_path() + "/events", "", "");
}

}  // namespace synclatch::server
