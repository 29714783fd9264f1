// SigV4: the Authorization parser and the canonicalization that the client's signing and the server's
// verification share (sync/include/synclatch/sync/sigv4_signing.hpp, server/src/sigv4_authenticator.cpp).
// The input is one HTTP request as a client might send it (its Content-Length set to what follows the
// head, so that mutated bodies stay whole).
//  - parse_authorization on the raw bytes and on the request's Authorization header: never a crash; what
//    it accepts has the documented shape, and written out again parses to the same fields.
//  - The request signed as the client signs it (sign(), with the developer key and with an identity's
//    temporary credentials), written and read as the server reads requests, passes the server's
//    verification as the principal that signed it; with one byte of its body or of its signature
//    changed, it is refused.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "http/request_target.hpp"
#include "synclatch/sync/detail/ascii.hpp"

namespace {

using namespace synclatch;
namespace sigv4 = sync::sigv4;
using sync::detail::equals_ignoring_case;

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts)
        out += (out.empty() ? "" : ";") + part;
    return out;
}

bool is_lower_hex(const std::string& text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void check_authorization(std::string_view header) {
    auto auth = sigv4::parse_authorization(header);
    if (!auth.ok()) {
        SYNCLATCH_FUZZ_CHECK(auth.status().code() == Errc::unauthorized, auth.status().to_string());
        return;
    }
    SYNCLATCH_FUZZ_CHECK(auth->signature.size() == 64 && is_lower_hex(auth->signature), auth->signature);
    SYNCLATCH_FUZZ_CHECK(!auth->signed_headers.empty() && auth->signed_headers.size() <= 64,
                         join(auth->signed_headers));
    for (const auto& name : auth->signed_headers) {
        SYNCLATCH_FUZZ_CHECK(!name.empty() && std::none_of(name.begin(), name.end(),
                                                           [](char c) { return c >= 'A' && c <= 'Z'; }),
                             "signed header name " + name);
    }
    SYNCLATCH_FUZZ_CHECK(!auth->access_key_id.empty() && auth->scope.date.size() == 8 &&
                             !auth->scope.region.empty() && !auth->scope.service.empty(),
                         auth->access_key_id + "/" + auth->scope.to_string());
    const std::string again = "AWS4-HMAC-SHA256 Credential=" + auth->access_key_id + "/" +
                              auth->scope.to_string() + ", SignedHeaders=" + join(auth->signed_headers) +
                              ", Signature=" + auth->signature;
    if (again.size() > 4096) return;  // the original was written tighter than this
    auto reparsed = sigv4::parse_authorization(again);
    SYNCLATCH_FUZZ_CHECK(reparsed.ok(), "written out again, it does not parse: " + again);
    SYNCLATCH_FUZZ_CHECK(reparsed->access_key_id == auth->access_key_id &&
                             reparsed->scope.to_string() == auth->scope.to_string() &&
                             reparsed->signed_headers == auth->signed_headers &&
                             reparsed->signature == auth->signature,
                         "written out again, it parses differently: " + again);
}

// The request as the client would send it: its method, target, headers (Host first, none of the ones
// sign() adds) and body, signed with credentials.
sigv4::Request client_request(const server::HttpRequest& received, const server::RequestTarget& target,
                              const sigv4::Credentials& credentials) {
    sigv4::Request wire;
    wire.method = std::string(received.method_string());
    wire.path = target.raw_path;
    wire.query = target.raw_query;
    std::string host;
    for (const auto& field : received) {
        if (field.name() == boost::beast::http::field::host && host.empty()) host = field.value();
    }
    wire.headers.emplace_back("Host", host.empty() ? "localhost" : host);
    for (const auto& field : received) {
        const std::string_view name = field.name_string();
        if (equals_ignoring_case(name, "host") || equals_ignoring_case(name, "authorization") ||
            equals_ignoring_case(name, "x-amz-date") || equals_ignoring_case(name, "x-amz-security-token"))
            continue;
        wire.headers.emplace_back(std::string(name), std::string(field.value()));
    }
    wire.body = received.body();
    // As the SDKs sign: POST / is Cognito Identity, every other path Cognito Sync.
    const char* service = target.segments.empty() ? "cognito-identity" : "cognito-sync";
    sigv4::sign(wire, credentials, "us-east-1", service, sigv4::amz_date(fuzz::kNow));
    return wire;
}

void check_signing(const server::HttpRequest& received, const server::RequestTarget& target, bool developer) {
    auto& server = fuzz::FuzzServer::get();
    const sigv4::Credentials admin{std::string(fuzz::kAdminAccessKey), std::string(fuzz::kAdminSecret), ""};
    const sigv4::Request wire =
        client_request(received, target, developer ? admin : server.identity_credentials());

    server::HttpRequest sent;
    sent.method_string(wire.method);
    sent.target(received.target());
    sent.version(received.version());
    for (const auto& [name, value] : wire.headers)
        sent.insert(name, value);
    sent.body() = wire.body;
    const std::string bytes = fuzz::serialize(sent);
    fuzz::ByteStream stream(bytes, bytes.size());
    boost::beast::flat_buffer buffer(fuzz::kServerReadBufferBytes);
    fuzz::ReadOutcome read = fuzz::read_request_as_server(stream, buffer);
    if (read.what == fuzz::ServerRead::refused && read.why == "headers too large") return;
    SYNCLATCH_FUZZ_CHECK(read.what == fuzz::ServerRead::accepted,
                         "the signed request does not read back: " + read.why + " " + read.error.message());

    auto principal = server.authenticate(read.request);
    std::string context =
        "\n  signed as " + wire.headers.back().second + "\n  sent: " + bytes.substr(0, 3000);
    SYNCLATCH_FUZZ_CHECK(principal.ok(), "the server refuses what the client signed: " +
                                             principal.status().to_string() + context);
    if (developer) {
        SYNCLATCH_FUZZ_CHECK(principal->kind == server::Principal::Kind::developer, context);
    } else {
        SYNCLATCH_FUZZ_CHECK(
            principal->kind == server::Principal::Kind::identity && principal->identity_id == fuzz::kIdentity,
            context);
    }

    if (!read.request.body().empty()) {
        server::HttpRequest tampered = read.request;
        tampered.body()[tampered.body().size() / 2] ^= 0x20;
        auto refused = server.authenticate(tampered);
        SYNCLATCH_FUZZ_CHECK(!refused.ok() && refused.status().code() == Errc::unauthorized,
                             "a changed body passes verification" + context);
    }
    server::HttpRequest forged = read.request;
    std::string authorization(forged[boost::beast::http::field::authorization]);
    authorization.back() = authorization.back() == '0' ? '1' : '0';
    forged.set(boost::beast::http::field::authorization, authorization);
    auto refused = server.authenticate(forged);
    SYNCLATCH_FUZZ_CHECK(!refused.ok() && refused.status().code() == Errc::unauthorized,
                         "a changed signature passes verification" + context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    fuzz::FuzzServer::get().begin_input();
    check_authorization(text);
    auto request = fuzz::parse_request_as_server(fuzz::with_content_length(text));
    if (!request) return 0;
    for (const auto& field : *request) {
        if (field.name() == boost::beast::http::field::authorization) check_authorization(field.value());
    }
    auto target = server::parse_target(request->target());
    if (!target.ok()) return 0;  // the server refuses it before authentication
    check_signing(*request, *target, true);
    check_signing(*request, *target, false);
    return 0;
}
