// CognitoSource: the reading side of `synclatch-server import-cognito`. The public Cognito Identity and
// Cognito Sync APIs of one identity pool, signed with developer credentials (SigV4), paced to a request
// rate, and retried with jittered exponential backoff when the source throttles (TooManyRequestsException,
// LimitExceededException) or fails for a while (5xx, a lost connection). Every answer is untrusted input:
// decoded within the JSON limits, shapes checked, pages bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/protocol.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::server {

struct CognitoSourceOptions {
    std::string pool_id;                   // "<region>:<uuid>"
    std::string region;                    // empty: the pool id's
    sync::Endpoint identity_endpoint;      // Cognito Identity
    sync::Endpoint sync_endpoint;          // Cognito Sync
    sync::sigv4::Credentials credentials;  // the developer's
    double requests_per_second = 10;       // all requests together, retries included
    int max_attempts = 8;                  // per request, the first included
    std::chrono::milliseconds first_backoff{200};
    std::chrono::milliseconds max_backoff{20'000};
    std::chrono::milliseconds deadline{30'000};  // per request
    // Injected by tests; empty: the system clock and a real sleep.
    std::function<std::int64_t()> clock;  // epoch milliseconds, for signing
    std::function<void(std::chrono::milliseconds)> sleep;
    // Checked before each request and while backing off: true stops the call with Errc::cancelled.
    std::function<bool()> stop_requested;
};

// The AWS regional endpoints of a region ("https://cognito-identity.<region>.amazonaws.com", and
// cognito-sync).
sync::Endpoint aws_identity_endpoint(std::string_view region);
sync::Endpoint aws_sync_endpoint(std::string_view region);

// DescribeIdentityPool's members the import uses.
struct SourcePool {
    std::string name;
    bool allow_unauthenticated = true;
    std::optional<std::string> developer_provider;
    std::vector<std::string> login_providers;  // SupportedLoginProviders' names, OpenID Connect ARNs, ...
    nlohmann::json description;                // the whole answer, for the report
};

struct SourceIdentity {
    std::string identity_id;
    std::vector<std::string> login_providers;  // names only: ListIdentities gives no subjects
    sync::EpochMillis created = 0;
    sync::EpochMillis last_modified = 0;
};

struct SourceIdentityPage {
    std::vector<SourceIdentity> identities;
    std::optional<std::string> next_token;
};

struct SourceCounters {
    std::int64_t requests = 0;   // sent, retries included
    std::int64_t throttled = 0;  // answers that asked us to slow down
    std::int64_t retried = 0;    // requests sent again (throttling or a transient failure)
};

// Thread-safety: one thread at a time.
class CognitoSource {
  public:
    // http_identity and http_sync reach the two endpoints; they must outlive this object (one client will
    // do when both APIs are served at one endpoint: pass it twice).
    CognitoSource(sync::HttpClient& http_identity, sync::HttpClient& http_sync, CognitoSourceOptions options);

    const CognitoSourceOptions& options() const noexcept { return options_; }
    const SourceCounters& counters() const noexcept { return counters_; }

    Result<SourcePool> describe_identity_pool();
    // DescribeIdentityPoolUsage's DataStorage: the bytes of every dataset of the pool (the progress's
    // measure for an ETA: Cognito counts a pool's identities nowhere).
    Result<std::int64_t> data_storage();
    // ListIdentities, disabled identities included; at most 60 a page, as Cognito allows.
    Result<SourceIdentityPage> list_identities(std::string_view next_token);
    // LookupDeveloperIdentity: every developer user identifier linked to the identity.
    Result<std::vector<std::string>> developer_user_identifiers(std::string_view identity_id);
    // ListDatasets, every page.
    Result<std::vector<sync::DatasetDescription>> list_datasets(std::string_view identity_id);
    // ListRecords from sync count 0, one page (removed records included).
    Result<sync::ListRecordsResult> list_records(std::string_view identity_id, std::string_view dataset,
                                                 std::string_view next_token);
    // GetIdentityPoolConfiguration and GetCognitoEvents: the answers as they came (objects).
    Result<nlohmann::json> pool_configuration();
    Result<nlohmann::json> cognito_events();

  private:
    // One call with pacing and retries; the 2xx answer's body, or the last error (named by operation).
    Result<std::string> call(std::string_view operation, bool identity_api, std::string_view method,
                             const std::string& path, const std::string& query, const std::string& body);
    Result<nlohmann::json> call_json(std::string_view operation, bool identity_api, std::string_view method,
                                     const std::string& path, const std::string& query,
                                     const std::string& body);
    Result<nlohmann::json> identity_call(std::string_view operation, const nlohmann::json& body);
    std::string pool_path() const;
    void pace();
    void sleep_for(std::chrono::milliseconds duration);
    bool stopped() const { return options_.stop_requested && options_.stop_requested(); }

    sync::HttpClient& http_identity_;
    sync::HttpClient& http_sync_;
    const CognitoSourceOptions options_;
    const std::string region_;
    sync::sigv4::Signer identity_signer_;
    sync::sigv4::Signer sync_signer_;
    std::chrono::steady_clock::time_point next_request_{};
    std::mt19937_64 jitter_;
    SourceCounters counters_;
};

}  // namespace synclatch::server
