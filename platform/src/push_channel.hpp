// PushChannel: the server's push hints over its WebSocket (GET /push?deviceId=ID, the upgrade SigV4-signed
// like any request). Each text frame is a hint (PROTOCOL.md §3.6) handed to the callback. A lost or
// refused connection is retried after a jittered exponential backoff, for as long as the channel lives.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::platform::detail {

struct PushChannelOptions {
    sync::Endpoint endpoint;
    std::string device_id;  // the server's id of this device (RegisterDevice)
    std::string ca_file;    // empty: the system's CA store
    std::string region = "us-east-1";
    // Fresh credentials for each connection attempt (called on the channel's thread).
    std::function<Result<sync::sigv4::Credentials>()> credentials;
    // Each hint's payload, on the channel's thread.
    std::function<void(const std::string& payload)> on_hint;
    std::chrono::milliseconds min_backoff{500};
    std::chrono::milliseconds max_backoff{60'000};
};

// Thread-safety: connected() from any thread. The destructor closes the connection and joins the
// channel's thread; it must not run inside on_hint or credentials.
class PushChannel {
  public:
    // invalid_argument when the CA file cannot be loaded.
    static Result<std::unique_ptr<PushChannel>> open(PushChannelOptions options);
    ~PushChannel();
    PushChannel(const PushChannel&) = delete;
    PushChannel& operator=(const PushChannel&) = delete;

    // The WebSocket is open now (hints sent from now on arrive).
    bool connected() const { return connected_.load(); }

  private:
    explicit PushChannel(PushChannelOptions options);

    PushChannelOptions options_;
    std::atomic<bool> connected_{false};
    std::optional<boost::asio::ssl::context> tls_;  // for wss: outlives the streams in io_'s coroutines
    boost::asio::io_context io_{1};
    std::thread thread_;
};

}  // namespace synclatch::platform::detail
