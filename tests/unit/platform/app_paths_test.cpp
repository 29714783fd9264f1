// app_data_dir (XDG and home fallbacks, app id validation) and device_id (stable, replaces a corrupt file,
// one id under concurrent first calls), with the environment pointed at temp directories.
#include "synclatch/platform/app_paths.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace {

using namespace synclatch;
using test::TempDir;

// Sets (or unsets, with nullopt) an environment variable for one test and restores it afterwards.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value) {
            ::setenv(name, value->c_str(), 1);
        } else {
            ::unsetenv(name);
        }
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

bool is_uuid_v4(const std::string& id) {
    static const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    return std::regex_match(id, kUuidV4);
}

}  // namespace

TEST_CASE("app_data_dir: creates $XDG_DATA_HOME/<app_id> with mode 0700", "[platform][paths]") {
    TempDir temp;
    const std::string xdg = temp.file("data/xdg");  // parents missing too
    ScopedEnv env("XDG_DATA_HOME", xdg);
    auto dir = platform::app_data_dir("com.example.things");
    REQUIRE(dir.ok());
    CHECK(*dir == xdg + "/com.example.things");
    REQUIRE(std::filesystem::is_directory(*dir));
    struct stat info {};
    REQUIRE(::stat(dir->c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0700);
    CHECK(platform::app_data_dir("com.example.things").value() == *dir);  // an existing directory is fine
}

TEST_CASE("app_data_dir: without an absolute XDG_DATA_HOME uses ~/.local/share", "[platform][paths]") {
    TempDir temp;
    ScopedEnv home("HOME", temp.path().string());
    SECTION("unset") {
        ScopedEnv xdg("XDG_DATA_HOME", std::nullopt);
        CHECK(platform::app_data_dir("things").value() == temp.file(".local/share/things"));
    }
    SECTION("relative, which the XDG spec says to ignore") {
        ScopedEnv xdg("XDG_DATA_HOME", "relative/data");
        CHECK(platform::app_data_dir("things").value() == temp.file(".local/share/things"));
    }
    CHECK(std::filesystem::is_directory(temp.file(".local/share/things")));
}

TEST_CASE("app_data_dir: refuses an app id that is not one path component", "[platform][paths]") {
    TempDir temp;
    ScopedEnv env("XDG_DATA_HOME", temp.path().string());
    const std::string bad = GENERATE(as<std::string>{}, "", ".", "..", "a/b", "/abs");
    auto dir = platform::app_data_dir(bad);
    REQUIRE_FALSE(dir.ok());
    CHECK(dir.status().code() == Errc::invalid_argument);
}

TEST_CASE("device_id: creates a UUID v4 once and reads it back afterwards", "[platform][paths]") {
    TempDir temp;
    const std::string dir = temp.path().string();
    auto first = platform::device_id(dir);
    REQUIRE(first.ok());
    CHECK(is_uuid_v4(*first));
    CHECK(read_file(temp.file("device-id")) == *first + "\n");
    CHECK(platform::device_id(dir).value() == *first);
    CHECK_FALSE(std::filesystem::exists(temp.file("device-id.tmp")));

    TempDir other;  // another installation gets another id
    CHECK(platform::device_id(other.path().string()).value() != *first);
}

TEST_CASE("device_id: replaces a file that does not hold a UUID", "[platform][paths]") {
    TempDir temp;
    std::ofstream(temp.file("device-id")) << "not a uuid, a torn write perhaps";
    auto id = platform::device_id(temp.path().string());
    REQUIRE(id.ok());
    CHECK(is_uuid_v4(*id));
    CHECK(read_file(temp.file("device-id")) == *id + "\n");
    CHECK(platform::device_id(temp.path().string()).value() == *id);
}

TEST_CASE("device_id: concurrent first calls from 8 threads agree on one id", "[platform][paths]") {
    for (int round = 0; round < 10; ++round) {
        TempDir temp;
        if (round % 2 == 1) std::ofstream(temp.file("device-id")) << "corrupt";  // the replacement races too
        std::vector<std::string> ids(8);
        std::latch start(8);
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < ids.size(); ++t) {
            threads.emplace_back([&, t] {
                start.arrive_and_wait();
                ids[t] = platform::device_id(temp.path().string()).value_or(std::string("failed"));
            });
        }
        for (auto& thread : threads)
            thread.join();
        INFO("round " << round);
        CHECK(is_uuid_v4(ids[0]));
        CHECK(std::vector<std::string>(8, ids[0]) == ids);
        CHECK(read_file(temp.file("device-id")) == ids[0] + "\n");
    }
}

TEST_CASE("device_id: a missing data directory is a storage error", "[platform][paths]") {
    TempDir temp;
    auto id = platform::device_id(temp.file("absent"));
    REQUIRE_FALSE(id.ok());
    CHECK(id.status().code() == Errc::storage);
}
