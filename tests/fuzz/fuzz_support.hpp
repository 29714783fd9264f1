// What the fuzz targets share: a check that stops the run with a message (libFuzzer then saves the input
// as a crash), HTTP messages read from bytes the way synclatch-server and the client read them off a
// socket, and the server's request handling assembled in process on a store in a temp directory.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/open_id_tokens.hpp"
#include "auth/principal.hpp"
#include "http/http_types.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::server {
class Storage;
}

namespace synclatch::fuzz {

// Prints where and what, then aborts: libFuzzer reports the input as a crash.
[[noreturn]] void fail(const char* file, int line, const char* condition, std::string_view detail);

#define SYNCLATCH_FUZZ_CHECK(condition, detail)                                            \
    do {                                                                                   \
        if (!(condition)) ::synclatch::fuzz::fail(__FILE__, __LINE__, #condition, detail); \
    } while (false)

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The text up to the first '\n' (the whole text when there is none), and what follows it.
std::pair<std::string_view, std::string_view> split_first_line(std::string_view text);

// Bytes handed out at most `chunk` at a time, as a socket may: a SyncReadStream for Beast's read().
class ByteStream {
  public:
    ByteStream(std::string_view data, std::size_t chunk) : data_(data), chunk_(chunk == 0 ? 1 : chunk) {}

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, boost::system::error_code& ec);
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers);

    bool at_end() const { return position_ == data_.size(); }

  private:
    std::string_view data_;
    std::size_t chunk_;
    std::size_t position_ = 0;
};

// HttpServer's limits (server/src/http_server.{hpp,cpp}): its read buffer, header and body limits.
inline constexpr std::size_t kServerReadBufferBytes = 64 * 1024 + 16 * 1024;

// What HttpServer::serve does with the next request on a connection.
enum class ServerRead {
    accepted,  // read whole: the handler gets it
    refused,   // answered with an error (400, 413, 431) and the connection closed
    upgrade,   // a WebSocket upgrade: the connection leaves HTTP
    closed,    // the bytes ended (or the client went away) before a whole request: nothing to answer
};

struct ReadOutcome {
    ServerRead what = ServerRead::closed;
    server::HttpRequest request;  // accepted (and upgrade): the request
    boost::system::error_code error;
    bool chunked = false;  // the parser's view of the framing
    std::optional<std::uint64_t> content_length;
    std::size_t body_limit = 0;  // the route's limit, decided from the headers
    std::string why;             // refused: the rule that refused it
};

// Reads the next request from stream as HttpServer::serve does: the same parser settings, the RFC 9112
// framing rule, the route's body limit (request_body_limits.hpp, SigV4 mode), in the same order.
ReadOutcome read_request_as_server(ByteStream& stream, boost::beast::flat_buffer& buffer);

// text with its Content-Length set to the length of what follows its head (and no Transfer-Encoding), so
// that a mutated body stays a whole message; text without a blank line is left as it is.
std::string with_content_length(std::string_view text);

// One request from text, as the server would read it off a fresh connection; nullopt unless accepted.
std::optional<server::HttpRequest> parse_request_as_server(std::string_view text);

// An HTTP response from text, read as BeastHttpClient reads one; nullopt when the client would fail.
std::optional<sync::HttpResponse> parse_response_as_client(std::string_view text);

// A message written as Beast writes it to a socket.
std::string serialize(const server::HttpRequest& request);
std::string serialize(const server::HttpResponse& response);

// A fixed time (2023-11-14T22:13:20Z) for every clock: signatures, tokens and expiries are reproducible.
inline constexpr std::int64_t kNow = 1'700'000'000'000;
// A pool and an identity in it that exist in every FuzzServer store.
inline constexpr std::string_view kPool =
    "us-east-1:00000000-0000-0000-0000-000000000000";  // the tests' pool
inline constexpr std::string_view kIdentity = "us-east-1:00000000-0000-4000-8000-000000000001";
// The developer's key (--admin-key) of FuzzServer's SigV4 authenticator.
inline constexpr std::string_view kAdminAccessKey = "AKIDFUZZADMIN";
inline constexpr std::string_view kAdminSecret = "fuzz-admin-secret";

// The server's RequestHandler (auth none: every request acts as anyone), its store, a SigV4 authenticator
// with kAdminAccessKey, and temporary credentials of kIdentity, in a directory of their own (under
// /dev/shm when there is one: SQLite is faster on tmpfs). The store is replaced by a fresh one after
// kRecycleEvery requests, at the start of an input, so that it stays small however long a run lasts.
// Each target calls begin_input() first: an input that writes then reads back must find its write.
// Thread-safety: one thread (libFuzzer runs inputs one at a time).
class FuzzServer {
  public:
    static constexpr std::size_t kRecycleEvery = 20'000;

    // The process's server, made on first use.
    static FuzzServer& get();
    // Called at the start of each input: replaces the store when kRecycleEvery requests have been made.
    void begin_input();
    // What handle() does to a request before answering it, for a target that checks the request it sent:
    // a stream read's `wait` parameters are dropped (a long-poll would hold one input for up to 20 s).
    static void drop_long_poll(server::HttpRequest& request);

    // Answers one request (RequestHandler::handle on a private io_context), after drop_long_poll.
    server::HttpResponse handle(server::HttpRequest request);
    // SigV4 verification as synclatch-server does it with --auth sigv4 --admin-key (kAdminAccessKey).
    Result<server::Principal> authenticate(const server::HttpRequest& request);

    server::Storage& store();
    // The signer of the server's OpenID tokens (one key for the whole run).
    const server::OpenIdTokens& open_id_tokens() const;
    // Temporary credentials of kIdentity, as GetCredentialsForIdentity issues them.
    const sync::sigv4::Credentials& identity_credentials();
    // A SyncSessionToken the server accepts for this identity and dataset until kNow + 1 hour.
    std::string session_token(std::string_view identity, std::string_view dataset);

    ~FuzzServer();

  private:
    FuzzServer();
    void open();
    void close();

    struct Parts;
    std::string dir_;
    std::unique_ptr<Parts> parts_;
    std::size_t requests_ = 0;
};

// A sync::HttpClient whose every answer is given in advance: the first request gets `first`, every later
// one `then` (so that paging and retry loops end). Requests are kept for inspection.
class ScriptedHttpClient final : public sync::HttpClient {
  public:
    ScriptedHttpClient(sync::HttpResponse first, sync::HttpResponse then)
        : first_(std::move(first)), then_(std::move(then)) {}
    Result<sync::HttpResponse> send(const sync::HttpRequest& request, std::chrono::milliseconds) override {
        ++sent_;
        last_ = request;
        return sent_ == 1 ? first_ : then_;
    }
    int sent() const { return sent_; }
    const sync::HttpRequest& last() const { return last_; }

  private:
    sync::HttpResponse first_;
    sync::HttpResponse then_;
    sync::HttpRequest last_;
    int sent_ = 0;
};

// A server answer as the client sees it.
sync::HttpResponse to_client_response(const server::HttpResponse& response);

template <class MutableBuffers>
std::size_t ByteStream::read_some(const MutableBuffers& buffers, boost::system::error_code& ec) {
    if (position_ == data_.size()) {
        ec = boost::asio::error::eof;
        return 0;
    }
    ec = {};
    const std::string_view next = data_.substr(position_, chunk_);
    const std::size_t n = boost::asio::buffer_copy(buffers, boost::asio::buffer(next.data(), next.size()));
    position_ += n;
    return n;
}

template <class MutableBuffers>
std::size_t ByteStream::read_some(const MutableBuffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
}

}  // namespace synclatch::fuzz
