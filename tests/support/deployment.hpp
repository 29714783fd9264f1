// Deployment: one synclatch-server process with a deployment id and stream processors, for the latch's
// integration tests, with the reads those tests make: records, stream contents, processor counters.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace synclatch::test {

inline const sync::sigv4::Credentials kDeploymentAdmin{"ADMINKEY", "admin-secret", ""};

class Deployment {
  public:
    // Starts the server on data_dir (kept across restarts) as `id` with extra flags (--processor ...);
    // with start_now false, start() does (when peers' urls must be known first).
    Deployment(std::string data_dir, std::string id, std::vector<std::string> flags, bool start_now = true);

    void restart(std::vector<std::string> flags);  // SIGTERM, then start again on the same data
    void stop();                                   // SIGTERM, and waits for the server to exit
    void kill_hard();                              // SIGKILL; start() brings it back
    void start(std::vector<std::string> flags);
    // A command the server runs under from the next start() on (ServerProcess's launcher).
    void set_launcher(std::vector<std::string> launcher) { launcher_ = std::move(launcher); }

    const std::string& id() const { return id_; }
    unsigned short port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    HttpClient& client() { return *client_; }

    // A new identity of the default pool, with its credentials.
    std::pair<std::string, sync::sigv4::Credentials> new_identity();
    // Credentials for an identity that exists here (made here, or replicated by a bridge).
    sync::sigv4::Credentials credentials_for(const std::string& identity);
    // A client's write through UpdateRecords (value nullopt: remove), at the key's current sync count.
    void write(const std::string& identity, const sync::sigv4::Credentials& credentials,
               const std::string& dataset, const std::string& key, const std::optional<std::string>& value);
    // The dataset's live records, key -> value (through the developer key).
    std::map<std::string, std::string> records(const std::string& identity, const std::string& dataset);
    // Every record of a stream, oldest first (the Data of each).
    std::vector<nlohmann::json> stream(const std::string& name);
    // Posts a domain event to stream events.
    void post_event(const nlohmann::json& event);
    // synclatch_processor_events_total{processor, outcome}; 0 when not counted yet.
    long processor_count(const std::string& processor, const std::string& outcome);
    // The value of one series of GET /metrics, named with its labels (`name{a="b"}`); 0 when absent.
    long metric(const std::string& series);
    // A consumer group's checkpoint in a local stream.
    long checkpoint(const std::string& stream, const std::string& group);
    // The last sequence number of a local stream (0 when empty).
    long last_seq(const std::string& stream);

  private:
    std::vector<nlohmann::json> stream_records(const std::string& name);

    std::string data_dir_;
    std::string id_;
    unsigned short port_;  // kept across restarts, so peers find it again
    std::vector<std::string> launcher_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<HttpClient> client_;
};

// Polls until done() holds or the timeout passes; returns done()'s last answer.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace synclatch::test
