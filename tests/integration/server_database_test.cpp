// The server database at start, with the real server process: a damaged file, or one that holds nothing,
// stops the start with a message for the operator and is not written to; a healthy file starts, and a
// missing one is a new deployment.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/child_process.hpp"
#include "support/deployment.hpp"
#include "support/numbered.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch::test;
using namespace std::chrono_literals;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

// Runs the server on data_dir until it exits by itself, or for 10 s: a server that starts is killed then
// (exit_code -1).
ProcessOutput run_server(const std::string& data_dir) {
    auto result = run_process(
        {SYNCLATCH_SERVER_BINARY, "--listen", "127.0.0.1:0", "--data", data_dir, "--log-level", "warn"}, 10s);
    UNSCOPED_INFO("synclatch-server -> " << result.exit_code << "\nstderr: " << result.err);
    return result;
}

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("Server database: a damaged file is refused untouched, with what to do, and a healthy one starts",
          "[integration][database][sqlite]") {
    TempDir dir;
    const std::string data = dir.file("data");
    const std::string db = data + "/synclatch-server.db";
    {
        Deployment a(data, "dep-a", {"--no-data-lake"});
        auto [identity, credentials] = a.new_identity();
        for (int i = 0; i < 300; ++i)
            a.write(identity, credentials, "profile", numbered("k", i),
                    std::string(1000, static_cast<char>('a' + i % 26)));
        a.restart({"--no-data-lake"});  // a healthy file starts again, with its data
        CHECK(a.records(identity, "profile").size() == 300);
        a.stop();
    }
    REQUIRE_FALSE(fs::exists(db + "-wal"));  // every page is in the file itself

    // Eight pages in the middle of the file overwritten, as a failing disk or a stray write would.
    const auto size = fs::file_size(db);
    REQUIRE(size > 64 * 4096);
    {
        std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(static_cast<std::streamoff>(size / 4096 / 2 * 4096));
        file << std::string(8 * 4096, 'Z');
    }
    const std::string damaged = contents(db);
    const auto started = run_server(data);
    CHECK(started.exit_code > 0);  // refused at once (-1: it ran until killed)
    CHECK_THAT(started.err, Contains(db));
    CHECK_THAT(started.err, Contains("quick_check"));
    CHECK_THAT(started.err, Contains("backup"));
    CHECK_THAT(started.err, Contains(".recover"));
    CHECK((contents(db) == damaged));  // nothing was written to it

    // A file that is not a database at all.
    std::ofstream(db, std::ios::binary | std::ios::trunc) << std::string(8192, 'x');
    const auto foreign = run_server(data);
    CHECK(foreign.exit_code > 0);
    CHECK_THAT(foreign.err, Contains(db));
    CHECK((contents(db) == std::string(8192, 'x')));
}

TEST_CASE("Server database: an empty file is refused, not made a new deployment, and a missing one is",
          "[integration][database][sqlite]") {
    TempDir dir;
    const std::string data = dir.file("data");
    const std::string db = data + "/synclatch-server.db";
    fs::create_directories(data);

    SECTION("an empty file") {
        std::ofstream(db).flush();
        const auto started = run_server(data);
        CHECK(started.exit_code > 0);
        CHECK_THAT(started.err, Contains(db));
        CHECK_THAT(started.err, Contains("empty"));
        CHECK_THAT(started.err, Contains("new deployment"));
        CHECK_THAT(started.err, Contains("delete"));
        CHECK(fs::file_size(db) == 0);
    }
    SECTION("an empty file with a write-ahead log, which SQLite would delete") {
        std::ofstream(db).flush();
        std::ofstream(db + "-wal", std::ios::binary) << std::string(4096, 'w');
        const auto started = run_server(data);
        CHECK(started.exit_code > 0);
        CHECK_THAT(started.err, Contains(db + "-wal"));
        CHECK(fs::file_size(db) == 0);
        CHECK((contents(db + "-wal") == std::string(4096, 'w')));
    }
    SECTION("a write-ahead log without its database") {
        std::ofstream(db + "-wal", std::ios::binary) << std::string(4096, 'w');
        const auto started = run_server(data);
        CHECK(started.exit_code > 0);
        CHECK_THAT(started.err, Contains(db + "-wal"));
        CHECK_FALSE(fs::exists(db));
        CHECK((contents(db + "-wal") == std::string(4096, 'w')));
    }
    SECTION("no file: a new deployment") {
        ServerProcess server(data, {});
        server.terminate();
        CHECK(fs::file_size(db) > 0);
        ServerProcess again(data, {});  // and it starts again on what it made
    }
}
