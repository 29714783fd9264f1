// AWS Signature Version 4: the canonical request, string to sign and signature (shared by the client,
// which signs, and the server, which verifies), and parsing of the Authorization header.
// Cognito Sync clients encode the path a second time in the canonical request ("%3A" -> "%253A"),
// as every AWS service but S3 does; double_encode_path selects that.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "synclatch/core/result.hpp"

namespace synclatch::sync::sigv4 {

// A request as sent on the wire. Header names are case-insensitive; duplicates are allowed.
struct Request {
    std::string method;
    std::string path;   // as sent: already percent-encoded
    std::string query;  // as sent, without '?'
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct Scope {
    std::string date;  // YYYYMMDD
    std::string region;
    std::string service;
    std::string to_string() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

struct Credentials {
    std::string access_key_id;
    std::string secret_key;
    std::string session_token;  // empty for long-term keys
};

// signed_headers: lowercase names, sorted (as in the Authorization header).
std::string canonical_request(const Request& request, std::span<const std::string> signed_headers,
                              bool double_encode_path);
// "YYYYMMDDTHHMMSSZ", the X-Amz-Date of a time given in epoch milliseconds (UTC).
std::string amz_date(std::int64_t epoch_millis);
std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical_request);
// Hex HMAC of string_to_sign under the key derived from the secret and the scope.
std::string signature(std::string_view secret_key, const Scope& scope, std::string_view string_to_sign);
// The scope's signing key (four HMACs, a quarter of the work of a small request): whoever signs or
// verifies many requests derives it once per credentials and day.
std::string signing_key(std::string_view secret_key, const Scope& scope);
// Hex HMAC of string_to_sign under a key from signing_key().
std::string signature_with_key(std::string_view signing_key, std::string_view string_to_sign);

// Signs request in place: adds X-Amz-Date, X-Amz-Security-Token (with session credentials) and
// Authorization, signing every header it then has. amz_date: YYYYMMDDTHHMMSSZ.
void sign(Request& request, const Credentials& credentials, std::string_view region, std::string_view service,
          std::string_view amz_date, bool double_encode_path = true);

// sign() for many requests with the same credentials: keeps the signing key until the date changes.
// Thread-safety: one thread at a time.
class Signer {
  public:
    Signer(Credentials credentials, std::string region, std::string service, bool double_encode_path = true);
    void sign(Request& request, std::string_view amz_date);
    const Credentials& credentials() const noexcept { return credentials_; }

  private:
    Credentials credentials_;
    std::string region_;
    std::string service_;
    bool double_encode_path_;
    std::string key_date_;  // the date signing_key_ was derived for
    std::string key_;
};

struct Authorization {
    std::string access_key_id;
    Scope scope;
    std::vector<std::string> signed_headers;
    std::string signature;
};
// Parses "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b,
// Signature=hex". Refuses malformed or oversized input with unauthorized.
Result<Authorization> parse_authorization(std::string_view header);

// The value of the first header with this (case-insensitive) name, or empty.
std::string_view header_value(const Request& request, std::string_view name);

}  // namespace synclatch::sync::sigv4
