// GetOpenIdToken's JWTs: base64url as RFC 4648 has it, the claims Cognito puts in, and an HS256 signature
// that holds under the derived key and breaks when the claims are changed.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "base64url.hpp"
#include "crypto.hpp"
#include "open_id_tokens.hpp"

using namespace synclatch;
using server::base64url;

namespace {

std::string decode_base64url(std::string_view text) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (char c : text) {
        const auto at = alphabet.find(c);
        REQUIRE(at != std::string::npos);
        bits = bits << 6 | static_cast<unsigned>(at);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>(bits >> count & 0xff);
        }
    }
    return out;
}

std::vector<std::string> split(const std::string& token) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
        parts.push_back(token.substr(start, dot - start));
    parts.push_back(token.substr(start));
    return parts;
}

}  // namespace

TEST_CASE("OpenID tokens: a JWT with Cognito's claims, signed HS256 under a key of its own",
          "[server][openid]") {
    const server::OpenIdTokens tokens("server secret", "synclatch-server");
    const std::string token = tokens.issue("us-east-1:pool", "us-east-1:abc", 1'700'000'000'123);
    const auto parts = split(token);
    REQUIRE(parts.size() == 3);

    const auto header = nlohmann::json::parse(decode_base64url(parts[0]));
    CHECK(header == nlohmann::json{{"alg", "HS256"}, {"typ", "JWT"}});
    const auto claims = nlohmann::json::parse(decode_base64url(parts[1]));
    CHECK(claims.at("iss") == "synclatch-server");
    CHECK(claims.at("sub") == "us-east-1:abc");
    CHECK(claims.at("aud") == "us-east-1:pool");
    CHECK(claims.at("amr") == nlohmann::json::array({"unauthenticated"}));
    CHECK(claims.at("iat") == 1'700'000'000);
    CHECK(claims.at("exp") == 1'700'000'000 + 15 * 60);

    const std::string key = sync::detail::hmac_sha256("server secret", "synclatch openid token key");
    CHECK(parts[2] == base64url(sync::detail::hmac_sha256(key, parts[0] + "." + parts[1])));
    // Not the session-token key (the raw secret): one kind of token never passes for another.
    CHECK(parts[2] != base64url(sync::detail::hmac_sha256("server secret", parts[0] + "." + parts[1])));
    const server::OpenIdTokens other("another secret", "synclatch-server");
    CHECK(split(other.issue("us-east-1:pool", "us-east-1:abc", 1'700'000'000'123))[2] != parts[2]);
}
