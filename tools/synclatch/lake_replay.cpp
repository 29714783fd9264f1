// Lake files in name order (their names sort in time order), lines in file order, events sent in batches.
#include "lake_replay.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "synclatch/platform/beast_http_client.hpp"

namespace synclatch::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t kBatch = 500;  // the server takes up to 1000 per replay request

std::int64_t now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Result<std::vector<fs::path>> lake_files(const std::string& from, const std::string& prefix) {
    std::error_code error;
    if (!fs::is_directory(from, error)) return Status{Errc::not_found, "--from " + from + " is not a folder"};
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(from, error)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".ndjson") continue;
        const std::string relative = fs::relative(entry.path(), from).generic_string();
        if (relative.starts_with(prefix)) files.push_back(entry.path());
    }
    if (error) return Status{Errc::storage, "cannot list " + from + ": " + error.message()};
    std::sort(files.begin(), files.end());
    return files;
}

// Sends one batch; adds the processor's outcomes to the summary.
class Sender {
  public:
    static Result<std::unique_ptr<Sender>> open(const ReplayOptions& options) {
        if (!options.to) return Status{Errc::invalid_argument, "replay needs --to URL to send to"};
        if (!options.credentials)
            return Status{Errc::invalid_argument, "replay needs --admin-key ACCESS:SECRET (the target's)"};
        auto http = platform::BeastHttpClient::open(*options.to);
        if (!http.ok()) return http.status();
        return std::unique_ptr<Sender>(new Sender(options, std::move(http).value()));
    }

    Status send(std::vector<json>& batch, ReplaySummary& summary) {
        json records = json::array();
        for (auto& data : batch)
            records.push_back({{"Data", std::move(data)}});
        batch.clear();
        sync::sigv4::Request signed_request{"POST",
                                            "/processors/" + processor_ + "/replay",
                                            "",
                                            {{"Host", authority_}, {"Content-Type", "application/json"}},
                                            json{{"Records", std::move(records)}}.dump()};
        signer_.sign(signed_request, sync::sigv4::amz_date(now_millis()));
        auto response =
            http_->send({"POST", signed_request.path, signed_request.headers, signed_request.body},
                        std::chrono::seconds(60));
        if (!response.ok()) return response.status();
        const auto body = json::parse(response->body, nullptr, false);
        if (response->status != 200) {
            std::string message = "the server answered " + std::to_string(response->status);
            if (body.is_object() && body.contains("message"))
                message += ": " + body["message"].get<std::string>();
            return {response->status == 401 || response->status == 403 ? Errc::unauthorized
                                                                       : Errc::invalid_argument,
                    message};
        }
        if (!body.is_object() || !body.contains("Outcomes") || !body["Outcomes"].is_object())
            return {Errc::invalid_argument, "the server's answer has no Outcomes"};
        for (const auto& [outcome, n] : body["Outcomes"].items()) {
            if (n.is_number_integer()) summary.outcomes[outcome] += n.get<std::int64_t>();
        }
        return {};
    }

  private:
    Sender(const ReplayOptions& options, std::unique_ptr<platform::BeastHttpClient> http)
        : http_(std::move(http)),
          signer_(*options.credentials, "us-east-1", "cognito-sync"),
          authority_(options.to->authority()),
          processor_(options.processor) {}

    std::unique_ptr<platform::BeastHttpClient> http_;
    sync::sigv4::Signer signer_;
    std::string authority_;
    std::string processor_;
};

}  // namespace

Result<ReplaySummary> replay_lake(const ReplayOptions& options, Output& output) {
    auto files = lake_files(options.from, options.prefix);
    if (!files.ok()) return files.status();
    std::unique_ptr<Sender> sender;
    if (!options.dry_run) {
        auto opened = Sender::open(options);
        if (!opened.ok()) return opened.status();
        sender = std::move(opened).value();
    }
    const bool terminal = ::isatty(STDERR_FILENO) == 1 && !output.json();
    ReplaySummary summary;
    std::vector<json> batch;
    for (const auto& file : *files) {
        std::ifstream in(file);
        if (!in) return Status{Errc::storage, "cannot read " + file.string()};
        ++summary.files;
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            ++summary.lines;
            json record = json::parse(line, nullptr, false);
            if (!record.is_object() || !record.contains("stream") || !record.contains("data") ||
                !record["data"].is_object()) {
                ++summary.malformed;
                continue;
            }
            if (record["stream"] != "events") continue;
            ++summary.events;
            ++summary.by_type[record["data"].value("type", std::string("(no type)"))];
            if (!sender) continue;
            batch.push_back(std::move(record["data"]));
            if (batch.size() == kBatch) {
                if (Status s = sender->send(batch, summary); !s.ok()) return s;
                if (terminal)
                    std::fprintf(stderr, "\rreplayed %lld events", static_cast<long long>(summary.events));
            }
        }
    }
    if (sender && !batch.empty()) {
        if (Status s = sender->send(batch, summary); !s.ok()) return s;
    }
    if (terminal && sender) std::fprintf(stderr, "\r\033[K");
    return summary;
}

}  // namespace synclatch::cli
