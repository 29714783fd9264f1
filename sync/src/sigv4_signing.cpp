// SigV4 canonicalization and signing (the AWS "Signature Version 4 signing process").
#include "synclatch/sync/sigv4_signing.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "synclatch/sync/detail/ascii.hpp"
#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::sync::sigv4 {

using detail::ascii_lower;
using detail::equals_ignoring_case;
using detail::uri_encode;

namespace {

std::string percent_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && value(text[i + 1]) >= 0 && value(text[i + 2]) >= 0) {
            out += static_cast<char>(value(text[i + 1]) * 16 + value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (auto& c : out)
        c = ascii_lower(c);
    return out;
}

// Appends value trimmed, with runs of spaces collapsed, as canonical header values require.
void append_canonical_value(std::string& out, std::string_view value) {
    const std::size_t start = out.size();
    bool space = false;
    for (char c : value) {
        if (c == ' ' || c == '\t') {
            space = out.size() > start;
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const std::string_view name = pair.substr(0, eq);
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        params.emplace_back(uri_encode(percent_decode(name), false),
                            uri_encode(percent_decode(value), false));
    }
    std::sort(params.begin(), params.end());
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        out += name + "=" + value;
    }
    return out;
}

std::string join(std::span<const std::string> parts, char separator) {
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

}  // namespace

std::string_view header_value(const Request& request, std::string_view name) {
    for (const auto& [header, value] : request.headers) {
        if (equals_ignoring_case(header, name)) return value;
    }
    return {};
}

std::string canonical_request(const Request& request, std::span<const std::string> signed_headers,
                              bool double_encode_path) {
    std::string path = request.path.empty() ? "/" : request.path;
    if (double_encode_path) path = uri_encode(path, true);
    // Built by appending: this runs for every request the server verifies.
    std::string out;
    out.reserve(512);
    out.append(request.method).append("\n").append(path).append("\n");
    out.append(canonical_query(request.query)).append("\n");
    for (const auto& name : signed_headers) {
        out.append(name).append(":");
        bool first = true;
        for (const auto& [header, value] : request.headers) {
            if (!equals_ignoring_case(header, name)) continue;
            if (!first) out += ',';
            first = false;
            append_canonical_value(out, value);
        }
        out += '\n';
    }
    out.append("\n").append(join(signed_headers, ';')).append("\n").append(detail::sha256_hex(request.body));
    return out;
}

std::string amz_date(std::int64_t now) {
    using namespace std::chrono;
    const sys_seconds at{seconds{now / 1000}};
    const auto day = floor<days>(at);
    const year_month_day date{day};
    const hh_mm_ss time{at - day};
    char text[20];
    std::snprintf(text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope, std::string_view canonical) {
    return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope.to_string() + "\n" +
           detail::sha256_hex(canonical);
}

std::string signing_key(std::string_view secret_key, const Scope& scope) {
    std::string key = detail::hmac_sha256("AWS4" + std::string(secret_key), scope.date);
    key = detail::hmac_sha256(key, scope.region);
    key = detail::hmac_sha256(key, scope.service);
    return detail::hmac_sha256(key, "aws4_request");
}

std::string signature_with_key(std::string_view key, std::string_view to_sign) {
    return detail::hex(detail::hmac_sha256(key, to_sign));
}

std::string signature(std::string_view secret_key, const Scope& scope, std::string_view to_sign) {
    return signature_with_key(signing_key(secret_key, scope), to_sign);
}

namespace {

// Adds the date, token and Authorization headers; key: the signing key of scope.
void sign_with_key(Request& request, const Credentials& credentials, const Scope& scope, std::string_view key,
                   std::string_view amz_date, bool double_encode_path) {
    request.headers.emplace_back("X-Amz-Date", std::string(amz_date));
    if (!credentials.session_token.empty())
        request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    std::vector<std::string> names;
    for (const auto& [name, value] : request.headers)
        names.push_back(lowercase(name));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    const std::string to_sign =
        string_to_sign(amz_date, scope, canonical_request(request, names, double_encode_path));
    request.headers.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id +
                                                      "/" + scope.to_string() +
                                                      ", SignedHeaders=" + join(names, ';') +
                                                      ", Signature=" + signature_with_key(key, to_sign));
}

}  // namespace

void sign(Request& request, const Credentials& credentials, std::string_view region, std::string_view service,
          std::string_view amz_date, bool double_encode_path) {
    const Scope scope{std::string(amz_date.substr(0, 8)), std::string(region), std::string(service)};
    sign_with_key(request, credentials, scope, signing_key(credentials.secret_key, scope), amz_date,
                  double_encode_path);
}

Signer::Signer(Credentials credentials, std::string region, std::string service, bool double_encode_path)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      double_encode_path_(double_encode_path) {}

void Signer::sign(Request& request, std::string_view amz_date) {
    const Scope scope{std::string(amz_date.substr(0, 8)), region_, service_};
    if (key_.empty() || key_date_ != scope.date) {
        key_ = signing_key(credentials_.secret_key, scope);
        key_date_ = scope.date;
    }
    sign_with_key(request, credentials_, scope, key_, amz_date, double_encode_path_);
}

Result<Authorization> parse_authorization(std::string_view header) {
    const Status bad{Errc::unauthorized,
                     "the Authorization header is not a valid AWS4-HMAC-SHA256 signature"};
    constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256 ";
    if (header.size() > 4096 || !header.starts_with(kAlgorithm)) return bad;
    header.remove_prefix(kAlgorithm.size());
    Authorization auth;
    std::string credential;
    std::string signed_headers;
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view part = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ')
            part.remove_suffix(1);
        const auto eq = part.find('=');
        if (eq == std::string_view::npos) return bad;
        const std::string_view name = part.substr(0, eq);
        const std::string_view value = part.substr(eq + 1);
        if (name == "Credential")
            credential = value;
        else if (name == "SignedHeaders")
            signed_headers = value;
        else if (name == "Signature")
            auth.signature = value;
        else
            return bad;
    }
    // Credential = AKID/DATE/REGION/SERVICE/aws4_request
    std::vector<std::string> scope_parts;
    std::string_view rest = credential;
    while (!rest.empty() && scope_parts.size() <= 5) {
        const auto slash = rest.find('/');
        scope_parts.emplace_back(rest.substr(0, slash));
        rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    if (scope_parts.size() != 5 || scope_parts[4] != "aws4_request" || scope_parts[0].empty() ||
        scope_parts[1].size() != 8 || scope_parts[2].empty() || scope_parts[3].empty()) {
        return bad;
    }
    auth.access_key_id = scope_parts[0];
    auth.scope = Scope{scope_parts[1], scope_parts[2], scope_parts[3]};
    std::string_view names = signed_headers;
    while (!names.empty()) {
        const auto semi = names.find(';');
        std::string name(names.substr(0, semi));
        names = semi == std::string_view::npos ? std::string_view() : names.substr(semi + 1);
        if (name.empty() || name != lowercase(name)) return bad;
        auth.signed_headers.push_back(std::move(name));
        if (auth.signed_headers.size() > 64) return bad;
    }
    if (auth.signed_headers.empty() || auth.signature.size() != 64 ||
        !std::all_of(auth.signature.begin(), auth.signature.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
        return bad;
    }
    return auth;
}

}  // namespace synclatch::sync::sigv4
