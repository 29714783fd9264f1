// Deployment helpers over the server's HTTP APIs.
#include "support/deployment.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

namespace synclatch::test {

using json = nlohmann::json;

Deployment::Deployment(std::string data_dir, std::string id, std::vector<std::string> flags, bool start_now)
    : data_dir_(std::move(data_dir)), id_(std::move(id)), port_(free_loopback_port()) {
    if (start_now) start(std::move(flags));
}

void Deployment::start(std::vector<std::string> flags) {
    client_.reset();
    server_.reset();
    std::vector<std::string> args = {"--auth",          "sigv4", "--admin-key", "ADMINKEY:admin-secret",
                                     "--deployment-id", id_};
    args.insert(args.end(), flags.begin(), flags.end());
    server_ = std::make_unique<ServerProcess>(data_dir_, std::move(args), port_, launcher_);
    client_ = std::make_unique<HttpClient>(server_->port());
}

void Deployment::restart(std::vector<std::string> flags) {
    client_.reset();
    if (server_) server_->terminate();
    start(std::move(flags));
}

void Deployment::stop() {
    client_.reset();
    if (server_) server_->terminate();
    server_.reset();
}

void Deployment::kill_hard() {
    client_.reset();
    server_->kill_hard();
}

std::pair<std::string, sync::sigv4::Credentials> Deployment::new_identity() {
    return test::new_identity(*client_);
}

sync::sigv4::Credentials Deployment::credentials_for(const std::string& identity) {
    const auto answer = client_->identity("GetCredentialsForIdentity", {{"IdentityId", identity}});
    INFO(answer.body);
    REQUIRE(answer.status == 200);
    const auto creds = answer.json().at("Credentials");
    return {creds.at("AccessKeyId"), creds.at("SecretKey"), creds.at("SessionToken")};
}

void Deployment::write(const std::string& identity, const sync::sigv4::Credentials& credentials,
                       const std::string& dataset, const std::string& key,
                       const std::optional<std::string>& value) {
    // As a device does: read the key's sync count, write over it; when a replicated write got there in
    // between (409 ResourceConflict), read again and retry.
    HttpResult written;
    for (int attempt = 0; attempt < 20; ++attempt) {
        const auto listed =
            client_->send("GET", dataset_path(identity, dataset) + "/records", "", credentials).json();
        REQUIRE(listed.contains("SyncSessionToken"));
        long sync_count = 0;
        for (const auto& r : listed.at("Records")) {
            if (r.at("Key") == key) sync_count = r.at("SyncCount").get<long>();
        }
        json patch = {{"Op", value ? "replace" : "remove"}, {"Key", key}, {"SyncCount", sync_count}};
        if (value) patch["Value"] = *value;
        const json body = {{"SyncSessionToken", listed.at("SyncSessionToken")}, {"RecordPatches", {patch}}};
        written = client_->send("POST", dataset_path(identity, dataset), body.dump(), credentials);
        if (written.status != 409) break;
    }
    INFO(written.body);
    REQUIRE(written.status == 200);
}

std::map<std::string, std::string> Deployment::records(const std::string& identity,
                                                       const std::string& dataset) {
    std::map<std::string, std::string> out;
    std::string token;
    do {
        std::string target = dataset_path(identity, dataset) + "/records";
        if (!token.empty()) target += "?nextToken=" + encode_path_segment(token);
        const auto page = client_->send("GET", target, "", kDeploymentAdmin).json();
        if (!page.contains("Records")) return out;
        for (const auto& r : page.at("Records")) {
            if (r.contains("Value") && r.at("Value").is_string()) out[r.at("Key")] = r.at("Value");
        }
        token = page.value("NextToken", "");
    } while (!token.empty());
    return out;
}

std::vector<json> Deployment::stream_records(const std::string& name) {
    std::vector<json> out;
    long after = 0;
    for (;;) {
        const auto page =
            client_
                ->send("GET", "/streams/" + name + "/records?limit=1000&after=" + std::to_string(after), "",
                       kDeploymentAdmin)
                .json();
        REQUIRE(page.contains("Records"));
        if (page.at("Records").empty()) return out;
        for (const auto& r : page.at("Records"))
            out.push_back(r);
        after = page.at("LastSequenceNumber").get<long>();
    }
}

std::vector<json> Deployment::stream(const std::string& name) {
    std::vector<json> out;
    for (auto& r : stream_records(name))
        out.push_back(std::move(r.at("Data")));
    return out;
}

long Deployment::last_seq(const std::string& name) {
    const auto all = stream_records(name);
    return all.empty() ? 0 : all.back().at("SequenceNumber").get<long>();
}

void Deployment::post_event(const json& event) {
    const json body = {{"PartitionKey", event.value("partitionKey", std::string("p"))}, {"Data", event}};
    const auto posted = client_->send("POST", "/streams/events/records", body.dump(), kDeploymentAdmin);
    INFO(posted.body);
    REQUIRE(posted.status == 200);
}

long Deployment::processor_count(const std::string& processor, const std::string& outcome) {
    return metric("synclatch_processor_events_total{processor=\"" + processor + "\",outcome=\"" + outcome +
                  "\"}");
}

long Deployment::metric(const std::string& series) {
    const auto metrics = client_->send("GET", "/metrics", "", kDeploymentAdmin);
    const auto at = metrics.body.find("\n" + series + " ");
    if (at == std::string::npos) return 0;
    return std::stol(metrics.body.substr(at + series.size() + 2));
}

long Deployment::checkpoint(const std::string& stream, const std::string& group) {
    return client_->send("GET", "/streams/" + stream + "/consumers/" + group, "", kDeploymentAdmin)
        .json()
        .at("SequenceNumber")
        .get<long>();
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

}  // namespace synclatch::test
