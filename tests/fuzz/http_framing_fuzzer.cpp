// HTTP request framing, as synclatch-server reads requests off a connection (server/src/http_server.cpp):
// the input is the bytes a client sends, possibly several pipelined requests, read with the server's
// parser settings, limits and RFC 9112 rules. For every request the server would accept whole:
//  - its framing holds together: never Content-Length with Transfer-Encoding, a Transfer-Encoding only
//    when chunked, the body as long as Content-Length said and within the route's limit;
//  - its target parses as the handler parses it (request_target.hpp), and its segments and parameters,
//    encoded again as the client encodes them, parse back to the same;
//  - written again as Beast writes it, it reads back as the same request (round trip);
// and the bytes read in other pieces (as TCP may deliver them) give the same requests.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "http/request_target.hpp"
#include "synclatch/sync/detail/ascii.hpp"

namespace {

namespace http = boost::beast::http;
using namespace synclatch;
using fuzz::ReadOutcome;
using fuzz::ServerRead;

// What the server makes of one request, for comparing two readings.
struct Reading {
    ServerRead what = ServerRead::closed;
    std::string why;
    std::string method;
    std::string target;
    unsigned version = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    std::string body;
    bool keep_alive = false;
    bool chunked = false;
    bool operator==(const Reading&) const = default;
};

Reading reading_of(const ReadOutcome& read) {
    Reading r;
    r.what = read.what;
    r.why = read.why;
    if (read.what != ServerRead::accepted && read.what != ServerRead::upgrade) return r;
    const auto& request = read.request;
    r.method = std::string(request.method_string());
    r.target = std::string(request.target());
    r.version = request.version();
    for (const auto& field : request)
        r.fields.emplace_back(std::string(field.name_string()), std::string(field.value()));
    r.body = request.body();
    r.keep_alive = request.keep_alive();
    r.chunked = read.chunked;
    return r;
}

std::string describe(const Reading& r) {
    static constexpr const char* kWhat[] = {"accepted", "refused", "upgrade", "closed"};
    std::string out = std::string(kWhat[static_cast<int>(r.what)]) + " " + r.method + " " + r.target +
                      " HTTP/" + std::to_string(r.version) + " [" + r.why + "]";
    for (const auto& [name, value] : r.fields)
        out += " | " + name + ": " + value;
    return out + " | body " + std::to_string(r.body.size()) + " bytes";
}

void check_framing(const ReadOutcome& read) {
    const auto& request = read.request;
    std::size_t lengths = 0;
    std::size_t encodings = 0;
    for (const auto& field : request) {
        if (field.name() == http::field::content_length) ++lengths;
        if (field.name() == http::field::transfer_encoding) ++encodings;
    }
    SYNCLATCH_FUZZ_CHECK(lengths == 0 || encodings == 0,
                         "accepted with Content-Length and Transfer-Encoding");
    SYNCLATCH_FUZZ_CHECK(encodings == 0 || read.chunked, "accepted a Transfer-Encoding that is not chunked");
    if (!read.chunked) {
        SYNCLATCH_FUZZ_CHECK(request.body().size() == read.content_length.value_or(0),
                             "body of " + std::to_string(request.body().size()) + " bytes, Content-Length " +
                                 std::to_string(read.content_length.value_or(0)));
    }
    SYNCLATCH_FUZZ_CHECK(request.body().size() <= read.body_limit, "body over the route's limit");
}

void check_target(std::string_view text) {
    auto target = server::parse_target(text);
    if (!target.ok()) return;
    SYNCLATCH_FUZZ_CHECK(
        text.starts_with(target->raw_path) && target->raw_path.find('?') == std::string::npos,
        "raw_path is not the target's path");
    for (const auto& segment : target->segments) {
        SYNCLATCH_FUZZ_CHECK(!segment.empty() && segment != "." && segment != ".." &&
                                 segment.find('/') == std::string::npos &&
                                 segment.find('\0') == std::string::npos,
                             "a decoded segment that could step out of its place: " + segment);
    }
    // Encoded again as CognitoRemoteStore encodes path segments and query parameters.
    std::string again;
    for (const auto& segment : target->segments) {
        again += '/';
        again += sync::detail::uri_encode(segment, false);
    }
    if (again.empty()) again = "/";
    char separator = '?';
    for (const auto& [name, value] : target->query) {
        if (name.empty()) continue;  // "=x": nothing a client encodes
        again +=
            separator + sync::detail::uri_encode(name, false) + "=" + sync::detail::uri_encode(value, false);
        separator = '&';
    }
    auto reparsed = server::parse_target(again);
    SYNCLATCH_FUZZ_CHECK(reparsed.ok(), "a re-encoded target does not parse: " + again);
    SYNCLATCH_FUZZ_CHECK(reparsed->segments == target->segments,
                         "segments differ after re-encoding: " + again);
    auto query = target->query;
    query.erase("");
    SYNCLATCH_FUZZ_CHECK(reparsed->query == query, "query differs after re-encoding: " + again);
}

void check_round_trip(const ReadOutcome& read) {
    // With several Transfer-Encoding lines, Beast 1.81's parser goes by the last one and message::chunked()
    // (which its serializer follows) by the first: the message cannot be written as it was read. The server
    // never writes a request it read, so this stays Beast's (reported); the framing checks above hold.
    if (read.request.chunked() != read.chunked) return;
    const std::string bytes = fuzz::serialize(read.request);
    fuzz::ByteStream stream(bytes, bytes.size());
    boost::beast::flat_buffer buffer(fuzz::kServerReadBufferBytes);
    const ReadOutcome again = fuzz::read_request_as_server(stream, buffer);
    // Trailer fields become header fields when written again: only the header limit may then differ.
    if (again.what == ServerRead::refused && again.why == "headers too large") return;
    const Reading first = reading_of(read);
    const Reading second = reading_of(again);
    SYNCLATCH_FUZZ_CHECK(first == second, "written and read again, the request differs:\n  " +
                                              describe(first) + "\n  " + describe(second) +
                                              "\n  written: " + bytes.substr(0, 2000));
    // Beast 1.81 writes a chunked message with an empty body as two last-chunks ("0\r\n\r\n0\r\n\r\n"; see
    // boostorg/beast#3032): the second is left over. synclatch writes every message with Content-Length.
    const bool beast_empty_chunked = read.chunked && read.request.body().empty();
    SYNCLATCH_FUZZ_CHECK(beast_empty_chunked || (buffer.size() == 0 && stream.at_end()),
                         "written and read again, bytes were left over: " + std::to_string(buffer.size()) +
                             " buffered\n  written: " + bytes.substr(0, 2000));
}

std::vector<Reading> read_all(std::string_view bytes, std::size_t chunk, bool check) {
    fuzz::ByteStream stream(bytes, chunk);
    boost::beast::flat_buffer buffer(fuzz::kServerReadBufferBytes);
    std::vector<Reading> readings;
    for (int i = 0; i < 16; ++i) {  // the server reads until the connection ends or a request closes it
        const ReadOutcome read = fuzz::read_request_as_server(stream, buffer);
        if (check && read.what == ServerRead::closed && read.error != http::error::end_of_stream &&
            read.error != http::error::partial_message && read.error != boost::asio::error::eof) {
            // Anything else the parser says about the client's bytes should be answered (400 and close).
            SYNCLATCH_FUZZ_CHECK(
                false, "a parse error the server closes on without an answer: " + read.error.message());
        }
        readings.push_back(reading_of(read));
        if (read.what != ServerRead::accepted) break;
        if (check) {
            check_framing(read);
            check_target(read.request.target());
            check_round_trip(read);
        }
        if (!read.request.keep_alive()) break;
    }
    return readings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes = fuzz::as_text(data, size);
    const auto whole = read_all(bytes, bytes.size(), true);
    if (size <= 8192) {
        // The same bytes in small pieces: what the server reads must not depend on how they arrive.
        const auto pieces = read_all(bytes, 1 + size % 23, false);
        std::string both;
        for (const auto* readings : {&whole, &pieces}) {
            both += "\n  read " + std::string(readings == &whole ? "whole:" : "in pieces:");
            for (const auto& r : *readings)
                both += "\n    " + describe(r);
        }
        // Beast parses a request line as soon as it has one, but waits for the end of the headers once it
        // has had to wait for more bytes: bytes that end mid-headers may be refused as malformed read whole
        // and only cut short in pieces. Either way nothing is served and the connection closes.
        bool same = whole.size() == pieces.size();
        for (std::size_t i = 0; same && i < whole.size(); ++i) {
            const bool last = i + 1 == whole.size();
            same = whole[i] == pieces[i] ||
                   (last && (whole[i].what == ServerRead::closed || pieces[i].what == ServerRead::closed) &&
                    whole[i].what != ServerRead::accepted && pieces[i].what != ServerRead::accepted);
        }
        SYNCLATCH_FUZZ_CHECK(same, "read in pieces of " + std::to_string(1 + size % 23) +
                                       " bytes, the requests differ:" + both);
    }
    return 0;
}
