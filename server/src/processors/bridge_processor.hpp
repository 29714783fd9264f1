// The bridge (DESIGN.md "The latch"): replicates another deployment's dataset writes into this one by
// reading the peer's stream events over HTTP (long-poll, signed with the peer's key or this deployment's
// admin key) and writing each thing-* event of a dataset record as a received write, and each
// dataset-deleted event as a received deletion, latch closed, origin kept. So what it
// receives is never published again by this deployment's trigger; its own echoes (origin = this deployment)
// are skipped and only move the checkpoint. An event is forwarded into this deployment's stream events (same
// id, hops + 1) only while hops + 1 < max_hops: chains and rings reach every member, and no event travels
// past max_hops bridges. Two deployments replicate both ways when each names the other with --peer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "processors/processor.hpp"
#include "processors/received_events.hpp"
#include "store/storage.hpp"
#include "synclatch/sync/http_client.hpp"
#include "synclatch/sync/sigv4_signing.hpp"
#include "telemetry/metrics.hpp"

namespace synclatch::server {

struct BridgeOptions {
    std::string peer_url;                                 // http(s)://host:port of the peer deployment
    std::optional<sync::sigv4::Credentials> credentials;  // signs requests (the peer's streams need them)
    int max_hops = 1;                                     // 1: direct peers only, nothing forwarded
    std::chrono::seconds long_poll{1};                    // how long one read waits for new events
    sync::OpenHttpClient open_http;                       // the transport, given by the composition root
};

// Thread-safety: step() runs on one thread at a time.
class BridgeProcessor final : public Processor {
  public:
    // invalid_argument for a URL that is not http(s)://host[:port], or no open_http.
    static Result<std::unique_ptr<BridgeProcessor>> open(Storage& store, Metrics& metrics,
                                                         std::function<EpochMillis()> clock,
                                                         BridgeOptions options);
    const std::string& name() const override { return name_; }
    // The id the peer reports on GET /healthz; unavailable when it cannot be asked.
    Result<std::string> peer_id();
    // Fails (and is retried) while the peer cannot be reached, or reports this deployment's own id.
    Result<bool> step(std::int64_t lease) override;

    // How a bridge reads an event (also used to replay events into it, with max_hops 1: no forwarding).
    static EventToWrite event_to_write(std::string deployment_id, int max_hops);

  private:
    BridgeProcessor(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock,
                    BridgeOptions options, std::unique_ptr<sync::HttpClient> http);
    Result<sync::HttpResponse> get(const std::string& target);

    Storage& store_;
    Metrics& metrics_;
    std::function<EpochMillis()> clock_;
    BridgeOptions options_;
    std::unique_ptr<sync::HttpClient> http_;
    std::string host_header_;
    std::string checkpoint_stream_;  // "peer:<url>": this deployment's position in the peer's events
    EventToWrite to_write_;
    bool peer_checked_ = false;
    const std::string name_ = "bridge";
};

}  // namespace synclatch::server
