// HMAC-signed session tokens: "<expiry ms>.<hex HMAC-SHA256(secret, identity \n dataset \n expiry)>".
#include "auth/session_tokens.hpp"

#include <openssl/crypto.h>

#include <charconv>

#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

SessionTokens::SessionTokens(std::string secret, sync::EpochMillis lifetime_ms)
    : secret_(std::move(secret)), lifetime_ms_(lifetime_ms) {}

std::string SessionTokens::mac(std::string_view identity_id, std::string_view dataset,
                               std::string_view expiry) const {
    std::string message;
    message.append(identity_id).append("\n").append(dataset).append("\n").append(expiry);
    return sync::detail::hex(sync::detail::hmac_sha256(secret_, message));
}

std::string SessionTokens::issue(std::string_view identity_id, std::string_view dataset,
                                 sync::EpochMillis now) const {
    const std::string expiry = std::to_string(now + lifetime_ms_);
    return expiry + "." + mac(identity_id, dataset, expiry);
}

Status SessionTokens::check(std::string_view token, std::string_view identity_id, std::string_view dataset,
                            sync::EpochMillis now) const {
    const Status bad{Errc::invalid_argument, "Invalid SyncSessionToken"};
    const auto dot = token.find('.');
    if (dot == std::string_view::npos || dot > 20 || token.size() > 200) return bad;
    const std::string_view expiry = token.substr(0, dot);
    const std::string expected = mac(identity_id, dataset, expiry);
    const std::string_view given = token.substr(dot + 1);
    // Constant time: the comparison must not tell an attacker how much of a forged MAC was right.
    if (given.size() != expected.size() ||
        CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
        return bad;
    }
    sync::EpochMillis expires = 0;
    std::from_chars(expiry.data(), expiry.data() + expiry.size(), expires);
    if (expires < now) return {Errc::invalid_argument, "SyncSessionToken has expired"};
    return {};
}

}  // namespace synclatch::server
