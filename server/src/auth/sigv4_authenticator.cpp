// SigV4 verification for Cognito Sync requests: parse the Authorization header, check scope and clock
// skew, find the secret (admin key or issued temporary credentials, with their session token), recompute
// the signature over the request's own SignedHeaders, and compare in constant time.
#include "auth/sigv4_authenticator.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>

#include "store/sqlite/row_cache.hpp"
#include "synclatch/sync/detail/ascii.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::server {

namespace sigv4 = sync::sigv4;

namespace {

constexpr EpochMillis kMaxClockSkewMs = 15 * 60 * 1000;  // AWS's own allowance

Status refuse(std::string message) {
    return {Errc::unauthorized, std::move(message)};
}

// "YYYYMMDDTHHMMSSZ" -> epoch milliseconds, or -1.
EpochMillis parse_amz_date(std::string_view text) {
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return -1;
    auto number = [&](std::size_t at, std::size_t length) {
        int value = 0;
        for (std::size_t i = at; i < at + length; ++i) {
            if (text[i] < '0' || text[i] > '9') return -1;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    std::tm t{};
    t.tm_year = number(0, 4) - 1900;
    t.tm_mon = number(4, 2) - 1;
    t.tm_mday = number(6, 2);
    t.tm_hour = number(9, 2);
    t.tm_min = number(11, 2);
    t.tm_sec = number(13, 2);
    if (t.tm_year < 0 || t.tm_mon < 0 || t.tm_mday < 1 || t.tm_hour < 0 || t.tm_min < 0 || t.tm_sec < 0)
        return -1;
    return static_cast<EpochMillis>(timegm(&t)) * 1000;
}

sigv4::Request wire_request(const HttpRequest& request, const RequestTarget& target) {
    sigv4::Request wire;
    wire.method = std::string(request.method_string());
    wire.path = target.raw_path;
    wire.query = target.raw_query;
    for (const auto& field : request)
        wire.headers.emplace_back(field.name_string(), field.value());
    wire.body = request.body();
    return wire;
}

}  // namespace

Authenticator make_sigv4_authenticator(IdentityStorage& store, std::optional<AdminKey> admin_key,
                                       std::vector<AdminKey> stream_reader_keys,
                                       std::function<EpochMillis()> clock) {
    // Signing keys by access key and scope: deriving one is four HMACs, and a client signs a day's
    // requests with the same key.
    auto signing_keys = std::make_shared<RowCache<std::string>>(100'000);
    return [&store, admin_key = std::move(admin_key), stream_reader_keys = std::move(stream_reader_keys),
            clock = std::move(clock),
            signing_keys](const HttpRequest& request, const RequestTarget& target) -> Result<Principal> {
        const auto header = request.find(boost::beast::http::field::authorization);
        if (header == request.end()) return refuse("Missing Authentication Token: sign requests with SigV4");
        auto auth = sigv4::parse_authorization(header->value());
        if (!auth.ok()) return auth.status();
        // POST / is Cognito Identity (the developer's calls); every other path is Cognito Sync.
        const std::string_view service = target.segments.empty() ? "cognito-identity" : "cognito-sync";
        if (auth->scope.service != service)
            return refuse("the credential scope must name service " + std::string(service));

        const auto wire = wire_request(request, target);
        const std::string amz_date(sigv4::header_value(wire, "x-amz-date"));
        const EpochMillis signed_at = parse_amz_date(amz_date);
        if (signed_at < 0) return refuse("X-Amz-Date must be present, as YYYYMMDDTHHMMSSZ");
        if (!amz_date.starts_with(auth->scope.date))
            return refuse("the credential scope's date is not X-Amz-Date's");
        const EpochMillis now = clock();
        if (signed_at < now - kMaxClockSkewMs || signed_at > now + kMaxClockSkewMs) {
            return refuse(
                "Signature expired: the request was signed more than 15 minutes from the server's time");
        }
        bool has_host = false;
        for (const auto& name : auth->signed_headers) {
            if (name == "host") has_host = true;
            // Present, not non-empty: a header may be signed with an empty value ("name:" in the
            // canonical request), and clients sign every header they send.
            const bool present = std::any_of(
                wire.headers.begin(), wire.headers.end(),
                [&](const auto& field) { return sync::detail::equals_ignoring_case(field.first, name); });
            if (!present && name != "host")
                return refuse("signed header '" + name + "' is missing from the request");
        }
        if (!has_host || sigv4::header_value(wire, "host").empty())
            return refuse("the Host header must be signed");

        Principal principal;
        std::string secret;
        const auto reader =
            std::find_if(stream_reader_keys.begin(), stream_reader_keys.end(),
                         [&](const AdminKey& k) { return k.access_key_id == auth->access_key_id; });
        if (admin_key && auth->access_key_id == admin_key->access_key_id) {
            principal.kind = Principal::Kind::developer;
            secret = admin_key->secret;
        } else if (reader != stream_reader_keys.end()) {
            principal.kind = Principal::Kind::stream_reader;
            secret = reader->secret;
        } else {
            auto credentials = store.find_credentials(auth->access_key_id);
            if (!credentials.ok()) return credentials.status();
            if (credentials->expiration <= now)
                return refuse("The security token included in the request is expired");
            const auto token = sigv4::header_value(wire, "x-amz-security-token");
            if (token.size() != credentials->session_token.size() ||
                CRYPTO_memcmp(token.data(), credentials->session_token.data(), token.size()) != 0) {
                return refuse("The security token included in the request is invalid");
            }
            principal.kind = Principal::Kind::identity;
            principal.identity_id = credentials->identity_id;
            secret = credentials->secret_key;
        }
        const std::string key_id = auth->access_key_id + "/" + auth->scope.to_string();
        auto key = signing_keys->find(key_id);
        if (!key) {
            key = sigv4::signing_key(secret, auth->scope);
            signing_keys->insert_new(key_id, *key);
        }
        const std::string expected = sigv4::signature_with_key(
            *key, sigv4::string_to_sign(amz_date, auth->scope,
                                        sigv4::canonical_request(wire, auth->signed_headers, true)));
        if (CRYPTO_memcmp(expected.data(), auth->signature.data(), expected.size()) != 0) {
            return refuse("The request signature we calculated does not match the signature you provided");
        }
        return principal;
    };
}

}  // namespace synclatch::server
