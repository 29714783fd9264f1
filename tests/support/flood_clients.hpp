// What the flood tests use against a real synclatch-server: flooders on clients of their own loopback
// source addresses (127.0.0.x, so that each is a client address of its own), a client that keeps writing
// one record and times each UpdateRecords, and small helpers to read the figures.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/http_client.hpp"

namespace synclatch::test {

// One UpdateRecords client (no auth: the server runs with --auth none) writing one key over and over, in
// a dataset of an identity of its own.
class RecordWriter {
  public:
    explicit RecordWriter(HttpClient& client);

    // Writes once; returns its latency in milliseconds, or a negative number when it failed.
    double write();

  private:
    HttpClient& client_;
    std::string identity_;
    std::string token_;
    int sync_count_ = 0;
};

// Checks (Catch CHECKs) that an answer is Cognito's TooManyRequestsException: 429, the type in the header
// and the body, Retry-After from 1 to max_retry_after seconds, and the connection kept open.
void check_too_many_requests(const HttpResult& answer, int max_retry_after);

// Answers counted by kind, from any thread.
struct AnswerCounts {
    std::atomic<int> ok{0};         // 200
    std::atomic<int> throttled{0};  // 429
    std::atomic<int> other{0};      // anything else, or no answer

    void count(const HttpResult& answer);
};

// UpdateRecords latencies of a writer alone, then while flooders run.
struct WritesUnderFlood {
    std::vector<double> unloaded_ms;  // successful writes alone
    std::vector<double> loaded_ms;    // successful writes during the flood
    int failed_writes = 0;            // in both phases
    double flood_seconds = 0;         // from the flooders' start to their end
};

// Times 200 writes alone; waits `settle` (for rate limits to refill); starts `flooders` threads, thread i
// calling flood(its client, from 127.0.0.(10+i)) over and over (at most 20,000 times) until stopped; after
// 200 ms times writes for two seconds (at most 5,000), then stops and joins the flooders.
WritesUnderFlood writes_under_flood(RecordWriter& writer, unsigned short port, int flooders,
                                    const std::function<void(HttpClient&)>& flood,
                                    std::chrono::milliseconds settle = {});

// The median (the upper one of an even count); 0 for none.
double median(std::vector<double> values);

// The value of one line of the server's /metrics, e.g. `synclatch_requests_total{operation="GetId",...}`
// (0 when absent).
double metric(HttpClient& client, const std::string& series);

}  // namespace synclatch::test
