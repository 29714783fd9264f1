// docs/nginx/synclatch.conf, run by Debian's nginx in front of two synclatch-servers on one PostgreSQL
// database: a client that only knows nginx signs in, writes and reads (its requests land on both servers,
// with no stickiness), gets a push hint over a WebSocket through nginx, and long-polls a stream.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/pg_test_database.hpp"
#include "support/server_process.hpp"
#include "support/signed_websocket.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

const synclatch::sync::sigv4::Credentials kAdmin{"ADMINKEY", "admin-secret", ""};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Replaces the one occurrence of `what` (the test fails when the sample no longer has it).
void replace_once(std::string& text, const std::string& what, const std::string& with) {
    const auto at = text.find(what);
    INFO("docs/nginx/synclatch.conf no longer has: " << what);
    REQUIRE(at != std::string::npos);
    text.replace(at, what.size(), with);
}

// nginx with the sample as its only site, in a folder of its own, until the object goes.
class Nginx {
  public:
    Nginx(const TempDir& dir, unsigned short port, unsigned short upstream_a, unsigned short upstream_b)
        : port_(port) {
        std::string site = read_file(SYNCLATCH_SOURCE_DIR "/docs/nginx/synclatch.conf");
        replace_once(site, "server 10.0.0.11:8080;", "server 127.0.0.1:" + std::to_string(upstream_a) + ";");
        replace_once(site, "server 10.0.0.12:8080;", "server 127.0.0.1:" + std::to_string(upstream_b) + ";");
        replace_once(site, "listen 80;", "listen 127.0.0.1:" + std::to_string(port) + ";");
        const std::string prefix = dir.file("nginx");
        std::filesystem::create_directories(prefix);
        std::ofstream(prefix + "/synclatch.conf") << site;
        // The parts of a main configuration a site file leaves to it; temp files under the prefix.
        std::ofstream(prefix + "/nginx.conf")
            << "worker_processes 1;\nerror_log " << prefix << "/error.log;\npid " << prefix
            << "/nginx.pid;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n"
            << "  client_body_temp_path " << prefix << "/body;\n  proxy_temp_path " << prefix << "/proxy;\n"
            << "  fastcgi_temp_path " << prefix << "/fastcgi;\n  uwsgi_temp_path " << prefix << "/uwsgi;\n"
            << "  scgi_temp_path " << prefix << "/scgi;\n  include " << prefix << "/synclatch.conf;\n}\n";
        const auto checked =
            run_process({"/usr/sbin/nginx", "-t", "-p", prefix, "-c", prefix + "/nginx.conf"}, 10s);
        INFO("nginx -t: " << checked.out << checked.err);
        REQUIRE(checked.exit_code == 0);
        pid_ = start_process(
            {"/usr/sbin/nginx", "-p", prefix, "-c", prefix + "/nginx.conf", "-g", "daemon off;"});
        // Ready once it answers through to a server.
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < until) {
            HttpClient probe(port_);
            if (probe.send("GET", "/healthz").status == 200) return;
            std::this_thread::sleep_for(50ms);
        }
        FAIL("nginx did not answer within 10 s: " << read_file(prefix + "/error.log"));
    }
    ~Nginx() { kill_process(pid_); }
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;

  private:
    unsigned short port_;
    pid_t pid_ = -1;
};

// How many requests of this client's a server answered (its /metrics, less the metrics reads themselves).
long requests_served(unsigned short port) {
    HttpClient client(port);
    const auto metrics = client.send("GET", "/metrics", "", kAdmin).body;
    long served = 0;
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("synclatch_requests_total{", 0) != 0) continue;
        if (line.find(R"(operation="Metrics")") != std::string::npos) continue;
        served += std::stol(line.substr(line.rfind(' ') + 1));
    }
    return served;
}

}  // namespace

TEST_CASE("nginx: the sample configuration in front of two servers on one database serves a client",
          "[postgres][servers][nginx]") {
    TempDir dir;
    const std::string store = fresh_pg_database("nginx");
    const std::vector<std::string> args = {
        "--store", store, "--auth", "sigv4", "--admin-key", "ADMINKEY:admin-secret", "--no-data-lake"};
    ServerProcess a(dir.file("a"), args);
    ServerProcess b(dir.file("b"), args);
    const unsigned short port = free_loopback_port();
    Nginx nginx(dir, port, a.port(), b.port());

    // Everything through nginx: sign-in, then writes and reads, signed for nginx's host and port.
    HttpClient client(port);
    auto [identity, creds] = new_identity(client);
    const auto path = dataset_path(identity, "things");
    int sync_count = 0;
    for (int n = 0; n < 10; ++n) {
        const auto page = client.send("GET", path + "/records?lastSyncCount=0", "", creds);
        REQUIRE(page.status == 200);
        CHECK(page.json().at("DatasetSyncCount") == sync_count);
        const json body = {
            {"SyncSessionToken", page.json().at("SyncSessionToken")},
            {"RecordPatches",
             {{{"Op", "replace"}, {"Key", "k" + std::to_string(n)}, {"Value", "v"}, {"SyncCount", 0}}}}};
        REQUIRE(client.send("POST", path, body.dump(), creds).status == 200);
        ++sync_count;
    }
    // No stickiness: both servers answered some of this one client's requests (round robin).
    CHECK(requests_served(a.port()) > 5);
    CHECK(requests_served(b.port()) > 5);

    // A push hint over a WebSocket through nginx, for a write through nginx.
    const auto device_path = "/identitypools/" + encode_path_segment(kTestPool) + "/identity/" +
                             encode_path_segment(identity) + "/device";
    const auto device = client.send("POST", device_path, R"({"Platform": "GCM", "Token": "t"})", creds);
    REQUIRE(device.status == 200);
    const std::string device_id = device.json().at("DeviceId");
    REQUIRE(client.send("POST", path + "/subscriptions/" + device_id, "{}", creds).status == 200);
    SignedWebSocket channel(port, "/push", "deviceId=" + device_id, creds);
    REQUIRE(channel.connected());
    const auto token = client.send("GET", path + "/records", "", creds).json().at("SyncSessionToken");
    const json from_elsewhere = {
        {"SyncSessionToken", token},
        {"DeviceId", "another-device"},
        {"RecordPatches", {{{"Op", "replace"}, {"Key", "pushed"}, {"Value", "v"}, {"SyncCount", 0}}}}};
    REQUIRE(client.send("POST", path, from_elsewhere.dump(), creds).status == 200);
    const auto hint = channel.next(10s);
    REQUIRE(hint);
    CHECK(hint->at("datasetName") == "things");

    // A long-poll outlasts nginx's defaults for nothing: it returns when its wait is over, with 200.
    const auto last =
        client.send("GET", "/streams/events/records", "", kAdmin).json().at("LastSequenceNumber");
    const auto started = std::chrono::steady_clock::now();
    const auto polled = client.send("GET", "/streams/events/records?wait=2&after=" + last.dump(), "", kAdmin);
    CHECK(polled.status == 200);
    CHECK(std::chrono::steady_clock::now() - started >= 1500ms);
}
