// The data lake's writer on a disk that fills up: a write that takes the bytes that still fit and then fails
// with ENOSPC, put in place of ::write (tests/integration/data_lake_test.cpp does it with a real tmpfs).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "processors/data_lake.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "support/temp_dir.hpp"
#include "telemetry/metrics.hpp"

using namespace synclatch;
using namespace synclatch::server;
namespace fs = std::filesystem;

namespace {

// The token of the embedded store's leases (its one server always leads).
constexpr std::int64_t kLease = 1;

// A disk with `room` bytes left: a write takes what fits, and fails with ENOSPC when nothing does.
struct FillingDisk {
    long room = std::numeric_limits<long>::max();

    long write(int fd, const char* data, std::size_t size) {
        const long fits = std::min(room, static_cast<long>(size));
        if (fits == 0) {
            errno = ENOSPC;
            return -1;
        }
        const long written = ::write(fd, data, static_cast<std::size_t>(fits));
        if (written > 0) room -= written;
        return written;
    }
};

struct LakeFixture {
    LakeFixture() {
        SqliteStorageOptions options;
        options.path = dir.file("server.db");
        options.durable = false;
        auto opened = SqliteStorage::open(options);
        REQUIRE(opened.ok());
        store = std::move(opened).value();
    }

    void start(DataLakeOptions options = {}) {
        options.dir = lake();
        options.write = [this](int fd, const char* data, std::size_t size) {
            return disk.write(fd, data, size);
        };
        writer = std::make_unique<DataLake>(
            *store, metrics, [this] { return now; }, std::move(options));
    }

    void append(int n) {
        for (int i = 0; i < n; ++i)
            REQUIRE(store
                        ->append_stream(
                            "events", "p",
                            R"({"type":"thing-created","pad":")" + std::string(300, 'x') + R"("})", now)
                        .ok());
    }

    std::string lake() const { return dir.file("lake"); }

    std::vector<fs::path> files() const {
        std::vector<fs::path> found;
        for (const auto& entry : fs::recursive_directory_iterator(lake()))
            if (entry.path().extension() == ".ndjson") found.push_back(entry.path());
        std::sort(found.begin(), found.end());
        return found;
    }

    // The seq of every line of every file, in order; 0 for a line that is not whole JSON.
    std::vector<long> seqs() const {
        std::vector<long> out;
        for (const auto& file : files()) {
            std::ifstream in(file, std::ios::binary);
            const std::string text{std::istreambuf_iterator<char>(in), {}};
            std::size_t start = 0;
            for (auto end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
                const auto line = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
                out.push_back(line.is_object() ? line.value("seq", 0L) : 0);
                start = end + 1;
            }
            if (start < text.size()) out.push_back(0);  // a torn last line
        }
        return out;
    }

    static std::vector<long> one_to(long n) {
        std::vector<long> out;
        for (long i = 1; i <= n; ++i)
            out.push_back(i);
        return out;
    }

    test::TempDir dir;
    Metrics metrics;
    EpochMillis now = 1'700'000'000'000;
    FillingDisk disk;
    std::unique_ptr<SqliteStorage> store;
    std::unique_ptr<DataLake> writer;
};

}  // namespace

TEST_CASE_METHOD(LakeFixture, "DataLake: a disk full in the middle of a line leaves whole lines, each once",
                 "[server][lake]") {
    start();
    append(10);
    REQUIRE(writer->step(kLease).value());
    REQUIRE(seqs() == one_to(10));
    const long line = static_cast<long>(fs::file_size(files().at(0))) / 10;

    // Two lines and a half fit; then each retry (a second apart, so a new file would get a new name) fails.
    disk.room = 2 * line + line / 2;
    append(10);
    for (int retry = 0; retry < 5; ++retry) {
        now += 1000;
        auto stepped = writer->step(kLease);
        REQUIRE_FALSE(stepped.ok());
        CHECK(stepped.status().code() == Errc::storage);
        CHECK_THAT(stepped.status().message(), Catch::Contains("No space left on device"));
        CHECK(seqs() == one_to(12));  // the half line is gone at once
        CHECK(files().size() == 1);
    }
    disk.room = std::numeric_limits<long>::max();
    REQUIRE(writer->step(kLease).value());
    CHECK(seqs() == one_to(20));
    CHECK(files().size() == 1);
}

TEST_CASE_METHOD(LakeFixture,
                 "DataLake: a rotation on a full disk makes one file, reused until space returns",
                 "[server][lake]") {
    DataLakeOptions options;
    options.rotate_age = std::chrono::minutes(1);
    start(options);
    append(5);
    REQUIRE(writer->step(kLease).value());
    now += 2 * 60 * 1000;  // the file is due for rotation
    disk.room = 0;
    append(5);
    for (int retry = 0; retry < 5; ++retry) {
        now += 1000;
        REQUIRE_FALSE(writer->step(kLease).ok());
        CHECK(files().size() == 2);  // the one the rotation made, and no other
    }
    disk.room = std::numeric_limits<long>::max();
    REQUIRE(writer->step(kLease).value());
    CHECK(seqs() == one_to(10));
    const auto made = files();
    REQUIRE(made.size() == 2);
    CHECK(fs::file_size(made[1]) > 0);
}

TEST_CASE_METHOD(LakeFixture, "DataLake: a start drops a torn tail and empty files at the newest end",
                 "[server][lake]") {
    start();
    append(3);
    REQUIRE(writer->step(kLease).value());
    writer.reset();
    const auto first = files().at(0);
    std::ofstream(first, std::ios::app) << R"({"stream":"events","seq":4,"da)";
    std::ofstream(first.parent_path() / "235959Z-000000000004.ndjson").flush();  // empty, and the newest
    start();
    append(2);
    REQUIRE(writer->step(kLease).value());
    CHECK(seqs() == one_to(5));
    CHECK(files().size() == 2);  // the first one and the new start's; the empty one is gone
}
