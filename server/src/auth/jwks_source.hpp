// JwksSource: the keys of one OpenID Connect provider and where they come from, kept fresh, with the
// provider's LoginTokenVerifier over them. Two kinds:
//   a JWKS file, read when the source is made and re-read on a token with an unknown kid (the operator may
//   have rotated it), at most once per min_refresh_interval;
//   a JWKS URL (http or https), fetched in the background from the start, refetched on a token with an
//   unknown kid (at most once per min_refresh_interval) and every refresh_interval.
// Each fetch is bounded: JsonWebKeySet::kMaxDocumentBytes of answer, fetch_timeout from connect to the last
// byte, no redirects followed (a 3xx is a failure). A failed refresh keeps the keys at hand and is logged
// (rate-limited). A document without a single usable key is a failed refresh too: swapping it in would
// refuse every token of the provider.
//
// A URL that cannot be fetched at start does not stop the server: guests and the other providers keep
// working while an identity provider is down or starts after us (start order is rarely under the
// operator's control), and refusing the provider's tokens is safe: it fails closed. Its tokens are refused
// with NotAuthorized "the provider's keys are not available", and the fetch is retried every
// min_refresh_interval until it succeeds. A file that cannot be read at start is a mistake in the
// configuration, found now rather than by the first user: open_file() fails.
//
// Threads: every source has one background thread of its own, asleep but for a refresh. verify() never
// waits for a fetch or a read: it checks the token with the keys at hand and, on an unknown kid, only
// raises a flag for the background thread. So the io threads that call verify() are never blocked on the
// network or the disk, and a flood of tokens with made-up kids costs the provider one request per
// min_refresh_interval, whatever the number of tokens or threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "auth/identity_pool_settings.hpp"
#include "auth/login_token_verifier.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/http_client.hpp"

namespace synclatch::server {

struct JwksSourceOptions {
    // Unknown kids, and retries after a failed fetch or read, refresh at most this often.
    std::chrono::milliseconds min_refresh_interval = std::chrono::minutes(1);
    // URLs only: refetched this often even when no token asks, so that keys a provider publishes ahead of a
    // rotation are at hand before its tokens arrive.
    std::chrono::milliseconds refresh_interval = std::chrono::hours(1);
    // URLs only: one fetch, name lookup to last byte.
    std::chrono::milliseconds fetch_timeout = std::chrono::seconds(5);
    // https URLs: "" trusts the system's CA store, a PEM file only the certificates in it.
    std::string ca_file;
    // URLs only: the transport, given by the composition root.
    sync::OpenHttpClient open_http;
};

// Thread-safety: verify(), keys(), loads(), attempts(), wait_for_loads(), stop() and stopped() may be
// called from any number of threads at once. The destructor stops the background thread and joins it: it
// waits for a fetch in flight (at most fetch_timeout) unless stopped() is already true.
class JwksSource {
  public:
    // Reads the file now: invalid_argument when it cannot be read or holds no usable key.
    static Result<std::unique_ptr<JwksSource>> open_file(LoginProvider provider, std::filesystem::path file,
                                                         JwksSourceOptions options = {});
    // Starts fetching in the background and returns at once; until the first fetch succeeds every token is
    // refused. invalid_argument for a ca_file that cannot be loaded, or no open_http.
    static Result<std::unique_ptr<JwksSource>> open_url(LoginProvider provider, sync::HttpUrl url,
                                                        JwksSourceOptions options = {});
    ~JwksSource();
    JwksSource(const JwksSource&) = delete;
    JwksSource& operator=(const JwksSource&) = delete;

    // As LoginTokenVerifier::verify with the keys at hand. A token whose kid is unknown, or any token while
    // no keys have loaded yet, asks the background thread for a refresh and is refused now (unauthorized;
    // rejection unknown_key), so a token of a freshly rotated key passes once the refresh has landed.
    Result<VerifiedLogin> verify(std::string_view token, EpochMillis now,
                                 LoginTokenRejection* rejection = nullptr) const;

    // Asks the background thread to end after what it is doing; returns at once. verify() keeps working
    // with the keys at hand, without refreshes.
    void stop();
    // The background thread has ended: destroying the source does not wait.
    bool stopped() const;

    // A load is under way or starts without waiting for min_refresh_interval or the timer: the first
    // fetch of a URL, or a refresh a token has just asked for. A caller refused for an unknown kid may
    // wait (without holding a thread) until this turns false and verify again: the first sign-ins after
    // a start or a rotation then pass instead of failing once.
    bool reloading() const;

    const LoginProvider& provider() const;
    // The keys at hand; null until the first load.
    std::shared_ptr<const JsonWebKeySet> keys() const;
    // Key sets loaded so far (the first one included), and loads tried (successful or not).
    std::uint64_t loads() const;
    std::uint64_t attempts() const;
    // Waits until loads() reaches count or timeout passes; says whether it was reached.
    bool wait_for_loads(std::uint64_t count, std::chrono::milliseconds timeout) const;

  private:
    struct State;
    explicit JwksSource(std::unique_ptr<State> state);
    // The source over state, its background thread started.
    static Result<std::unique_ptr<JwksSource>> started(std::unique_ptr<State> state);

    std::unique_ptr<State> state_;
    std::thread thread_;
};

}  // namespace synclatch::server
