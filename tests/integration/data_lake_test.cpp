// The data lake and `synclatch replay` with real processes: every stream record archived once in rotating
// NDJSON files, across a torn last line, kill -9 and a full disk; and a replay that rebuilds a deployment's
// materialized views in a fresh one.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "support/child_process.hpp"
#include "support/deployment.hpp"
#include "support/numbered.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using json = nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct LakeLine {
    std::string file;
    json record;
};

// Every line of every lake file, files in name order.
std::vector<LakeLine> read_lake(const std::string& lake) {
    std::vector<fs::path> files;
    if (fs::exists(lake)) {
        for (const auto& entry : fs::recursive_directory_iterator(lake))
            if (entry.path().extension() == ".ndjson") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<LakeLine> lines;
    for (const auto& file : files) {
        std::ifstream in(file);
        std::string line;
        while (std::getline(in, line))
            lines.push_back(
                {file.lexically_relative(lake).generic_string(), json::parse(line, nullptr, false)});
    }
    return lines;
}

// The lake holds records 1..last_seq, each exactly once, in order.
bool lake_complete(const std::string& lake, long last_seq) {
    const auto lines = read_lake(lake);
    if (static_cast<long>(lines.size()) != last_seq) return false;
    for (long i = 0; i < last_seq; ++i) {
        if (!lines[i].record.is_object() || lines[i].record.value("seq", 0L) != i + 1) return false;
    }
    return true;
}

// What the lake holds, for a failure message: each file with its lines, and the lines that do not parse.
std::string describe_lake(const std::string& lake) {
    std::map<std::string, std::pair<int, int>> files;  // file -> (lines, lines that are not JSON objects)
    for (const auto& entry : fs::recursive_directory_iterator(lake))
        if (entry.path().extension() == ".ndjson") files[entry.path().lexically_relative(lake).string()];
    for (const auto& l : read_lake(lake)) {
        ++files[l.file].first;
        if (!l.record.is_object()) ++files[l.file].second;
    }
    std::ostringstream out;
    for (const auto& [file, counts] : files)
        out << file << ": " << counts.first << " lines, " << counts.second << " not JSON\n";
    return out.str();
}

// A small disk for the lake without root: a tmpfs mounted in a user + mount namespace of its own
// (`unshare -rm`), kept alive by a holder process so that the server can be restarted into it (`nsenter`).
// The test reaches the files through /proc/<holder>/root. Where user namespaces are not allowed this fails,
// loudly, rather than skip (tests/unit/server/data_lake_test.cpp covers the same with an injected ENOSPC).
class SmallDisk {
  public:
    SmallDisk(const std::string& mount_point, const std::string& size) : mount_point_(mount_point) {
        const std::string unshare = "/usr/bin/unshare";
        const std::string mount = "mount -t tmpfs -o size=" + size + " tmpfs \"$0\"";
        // Once on its own first, for what unshare says when it is not allowed here.
        const auto tried = run_process({unshare, "-rm", "/bin/sh", "-c", mount, mount_point}, 10s);
        INFO(
            "this test gives the lake a small tmpfs in a user + mount namespace (`unshare -rm`, no root "
            "needed); it must be allowed here (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu "
            "kernel.apparmor_restrict_unprivileged_userns=0). unshare said: "
            << tried.err);
        REQUIRE(tried.exit_code == 0);
        holder_ = start_process({unshare, "-rm", "/bin/sh", "-c", mount + " && exec sleep 600", mount_point});
        const bool mounted = eventually(
            [&] {
                std::ifstream info("/proc/" + std::to_string(holder_) + "/mountinfo");
                std::string line;
                while (std::getline(info, line))
                    if (line.find(" " + mount_point_ + " ") != std::string::npos &&
                        line.find(" tmpfs ") != std::string::npos)
                        return true;
                return false;
            },
            10s);
        REQUIRE(mounted);
    }
    ~SmallDisk() { kill_process(holder_); }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    // The command that runs a program in the namespace, seeing the small disk.
    std::vector<std::string> launcher() const {
        return {"/usr/bin/nsenter", "-t", std::to_string(holder_), "-U", "-m", "--preserve-credentials"};
    }
    // The mount point as this process sees it.
    std::string path() const { return "/proc/" + std::to_string(holder_) + "/root" + mount_point_; }

    // A file takes all the free space but about `leave` bytes (whole pages).
    void fill(long leave) {
        const std::string filler = path() + "/filler.bin";
        const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        REQUIRE(fd >= 0);
        const std::string chunk(4096, 'f');
        while (::write(fd, chunk.data(), chunk.size()) > 0) {
        }
        const int error = errno;
        CHECK(error == ENOSPC);
        const long size = static_cast<long>(::lseek(fd, 0, SEEK_END));
        REQUIRE(::ftruncate(fd, std::max(0L, size - leave)) == 0);
        ::close(fd);
    }
    void give_space_back() { fs::remove(path() + "/filler.bin"); }

  private:
    std::string mount_point_;
    pid_t holder_ = -1;
};

long last_seq_of_all(Deployment& d) {
    return std::max(d.last_seq("events"), d.last_seq("dataset-changes"));
}

ProcessOutput run_cli(std::vector<std::string> args) {
    args.insert(args.begin(), SYNCLATCH_CLI_BINARY);
    auto result = run_process(args, 60s);
    UNSCOPED_INFO("synclatch -> " << result.exit_code << "\nstdout: " << result.out
                                  << "\nstderr: " << result.err);
    return result;
}

json thing_event(const std::string& identity, const std::string& id, const std::string& type, long version,
                 const std::string& name) {
    return {{"id", "catalog:" + id + ":" + std::to_string(version)},
            {"type", type},
            {"timestamp", 1'700'000'000'000L + version},
            {"partitionKey", identity},
            {"tags", {{"region", "us-east-1"}, {"identityPoolId", kTestPool}, {"source", "catalog"}}},
            {"thing", {{"id", id}, {"name", name}, {"identityId", identity}}},
            {"version", version}};
}

}  // namespace

TEST_CASE("Data lake: every record of every stream, once, in files that rotate by size",
          "[integration][lake]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {"--processor", "trigger", "--data-lake-rotate-mb", "1"});
    auto [identity, creds] = a.new_identity();
    const std::string big(60'000, 'x');
    for (int i = 0; i < 40; ++i)
        a.write(identity, creds, "profile", "photo", big + std::to_string(i));
    REQUIRE(eventually([&] { return a.stream("events").size() == 40; }));
    const long last = last_seq_of_all(a);
    CHECK(last == 80);
    const std::string lake = dir.file("a") + "/lake";
    REQUIRE(eventually([&] { return lake_complete(lake, last); }));
    const auto lines = read_lake(lake);
    std::set<std::string> files;
    for (const auto& l : lines) {
        files.insert(l.file);
        CHECK(l.record.at("deployment") == "dep-a");
        const bool event = l.record.at("stream") == "events";
        CHECK((event || l.record.at("stream") == "dataset-changes"));
        CHECK(l.record.at("partitionKey") == identity);
        CHECK(l.record.at("created").is_number_integer());
        if (event) CHECK(l.record.at("data").at("type").get<std::string>().starts_with("thing-"));
    }
    // ~7 MB of lines at 1 MB a file; names sort in sequence order (files are read in that order).
    CHECK(files.size() >= 5);
    CHECK(a.processor_count("datalake", "archived") == last);
}

TEST_CASE("Data lake: a torn last line and kill -9 leave every record in the lake exactly once",
          "[integration][lake]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {"--processor", "trigger"});
    const std::string lake = dir.file("a") + "/lake";
    auto [identity, creds] = a.new_identity();
    for (int i = 0; i < 5; ++i)
        a.write(identity, creds, "profile", numbered("k", i), "v");
    REQUIRE(eventually([&] { return lake_complete(lake, last_seq_of_all(a)); }));
    a.restart({"--processor", "trigger"});  // a fresh file from here on

    // A crash in the middle of writing a line leaves half of it at the end of the newest file.
    a.kill_hard();
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(lake))
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    {
        std::ofstream torn(files.back(), std::ios::app);
        torn << R"({"stream":"events","seq":999,"partitionKey":"x","data":{"ty)";
    }
    // And a crash right after a rotation leaves the newest file empty.
    std::ofstream(files.back().parent_path() / "999999Z-999999999999.ndjson").flush();
    a.start({"--processor", "trigger"});
    // And kill -9 at growing delays while writes and archiving go on.
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 20; ++i)
            a.write(identity, creds, "profile", numbered("r", round) + "-" + std::to_string(i), "v");
        std::this_thread::sleep_for(std::chrono::milliseconds(5 << round));
        a.kill_hard();
        a.start({"--processor", "trigger"});
    }
    const auto writes = 5 + 60;
    REQUIRE(eventually([&] { return a.stream("events").size() == static_cast<std::size_t>(writes); }));
    const long last = last_seq_of_all(a);
    CHECK(last == 2 * writes);
    CHECK(eventually([&] { return lake_complete(lake, last); }));
    for (const auto& l : read_lake(lake))
        CHECK(l.record.is_object());
}

TEST_CASE("Data lake: a full disk leaves no torn line, no duplicate and no pile of empty files",
          "[integration][lake]") {
    TempDir dir;
    const std::string data = dir.file("a");
    fs::create_directories(data + "/lake");
    SmallDisk disk(data + "/lake", "2m");
    const std::string lake = disk.path();
    Deployment a(data, "dep-a", {}, /*start_now=*/false);
    a.set_launcher(disk.launcher());
    a.start({});
    // Named, not bound: clang 14 cannot capture a structured binding in a lambda.
    std::string identity;
    synclatch::sync::sigv4::Credentials creds;
    std::tie(identity, creds) = a.new_identity();
    int writes = 0;
    const auto put_records = [&](int n, std::chrono::milliseconds pause) {
        for (int i = 0; i < n; ++i, ++writes) {
            a.write(identity, creds, "profile", numbered("k", writes),
                    std::string(2500, 'v') + std::to_string(writes));
            std::this_thread::sleep_for(pause);
        }
    };
    put_records(5, 0ms);
    REQUIRE(eventually([&] { return lake_complete(lake, last_seq_of_all(a)); }));

    // The disk fills up in the middle of a line, and clients go on writing while the lake cannot: the
    // writer retries (with backoff) for a few seconds.
    disk.fill(16 * 1024);
    put_records(30, 50ms);
    std::this_thread::sleep_for(1500ms);
    CHECK_FALSE(lake_complete(lake, last_seq_of_all(a)));  // the disk really was full
    disk.give_space_back();
    CHECK(eventually([&] { return lake_complete(lake, last_seq_of_all(a)); }));
    UNSCOPED_INFO("after the first full disk:\n" << describe_lake(lake));

    // Again, with a restart while the disk is full: the new process's first file cannot take a line.
    disk.fill(0);
    put_records(10, 50ms);
    a.restart({});
    put_records(10, 50ms);
    std::this_thread::sleep_for(2500ms);
    disk.give_space_back();
    const long last = last_seq_of_all(a);
    CHECK(last == writes);
    CHECK(eventually([&] { return lake_complete(lake, last); }));
    // No empty file left from the retries, and no more files than the two processes needed.
    std::set<std::string> files;
    int empty = 0;
    for (const auto& entry : fs::recursive_directory_iterator(lake)) {
        if (entry.path().extension() != ".ndjson") continue;
        files.insert(entry.path().filename().string());
        if (fs::file_size(entry.path()) == 0) ++empty;
    }
    INFO(describe_lake(lake));
    CHECK(empty == 0);
    CHECK(files.size() <= 2);
}

TEST_CASE("Replay: the lake of one deployment rebuilds the same materialized views in a fresh one",
          "[integration][lake][cli]") {
    TempDir dir;
    Deployment a(dir.file("a"), "dep-a", {"--processor", "trigger", "--processor", "listener"});
    auto [ada, ada_creds] = a.new_identity();
    auto [bob, bob_creds] = a.new_identity();
    // Another service's events (some updated, one deleted, one stale), and the users' own writes.
    a.post_event(thing_event(ada, "lamp", "thing-created", 1, "Lamp"));
    a.post_event(thing_event(ada, "lamp", "thing-updated", 3, "Lamp, blue"));
    a.post_event(thing_event(ada, "lamp", "thing-updated", 2, "Lamp, stale"));
    a.post_event(thing_event(ada, "desk", "thing-created", 1, "Desk"));
    a.post_event(thing_event(bob, "sofa", "thing-created", 1, "Sofa"));
    a.post_event(thing_event(bob, "chair", "thing-created", 1, "Chair"));
    a.post_event(thing_event(bob, "chair", "thing-deleted", 2, "Chair"));
    a.write(ada, ada_creds, "profile", "name", "Ada");
    a.write(bob, bob_creds, "profile", "name", "Bob");
    REQUIRE(eventually([&] {
        return a.checkpoint("events", "listener") == a.last_seq("events") && a.stream("events").size() == 9;
    }));
    const auto ada_things = a.records(ada, "things");
    const auto bob_things = a.records(bob, "things");
    CHECK(ada_things.size() == 2);
    CHECK(bob_things.size() == 1);
    const std::string lake = dir.file("a") + "/lake";
    REQUIRE(eventually([&] { return lake_complete(lake, last_seq_of_all(a)); }));

    // A fresh deployment taking dep-a's place (a new data dir, the same id).
    Deployment fresh(dir.file("fresh"), "dep-a", {"--processor", "listener"});
    const auto dry = run_cli({"--json", "replay", "--from", lake, "--to", fresh.url()});
    REQUIRE(dry.exit_code == 0);
    const auto dry_summary = json::parse(dry.out);
    CHECK(dry_summary.at("dryRun") == true);
    CHECK(dry_summary.at("events") == 9);
    CHECK(dry_summary.at("byType").at("thing-created") == 6);  // 4 of the service's, the 2 users' writes
    CHECK(fresh.records(ada, "things").empty());               // a dry run sends nothing

    const std::vector<std::string> apply = {
        "--admin-key", "ADMINKEY:admin-secret", "--json", "replay", "--from", lake, "--to", fresh.url(),
        "--apply"};
    const auto applied = run_cli(apply);
    REQUIRE(applied.exit_code == 0);
    const auto outcomes = json::parse(applied.out).at("outcomes");
    CHECK(outcomes.at("applied") == 6);
    CHECK(outcomes.at("stale") == 1);
    CHECK(outcomes.at("skipped_by_latch") == 2);  // dep-a's own writes: published, not materialized
    CHECK(fresh.records(ada, "things") == ada_things);
    CHECK(fresh.records(bob, "things") == bob_things);

    // Again: nothing new.
    const auto again = run_cli(apply);
    REQUIRE(again.exit_code == 0);
    CHECK(json::parse(again.out).at("outcomes").at("duplicate") == 7);
    CHECK(fresh.records(ada, "things") == ada_things);
    CHECK(fresh.stream("dataset-changes").size() == 6);

    // Bad input is a clear error, not a partial replay.
    CHECK(run_cli({"replay", "--from", dir.file("nowhere")}).exit_code == 3);
    CHECK(run_cli({"replay", "--from", lake, "--apply"}).exit_code == 2);
    CHECK(run_cli({"--admin-key", "ADMINKEY:wrong", "replay", "--from", lake, "--to", fresh.url(), "--apply"})
              .exit_code == 6);
}
