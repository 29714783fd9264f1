// What only the embedded engine does: it locks its file, checks an existing file at start-up, and refuses
// an empty one (the rules both engines keep are in storage_test.cpp).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "store/sqlite/sqlite_storage.hpp"
#include "support/temp_dir.hpp"

using namespace synclatch;
using namespace synclatch::server;
using sync::RecordPatch;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

}  // namespace

TEST_CASE("SqliteStorage: a database open in one storage is refused to a second, until closed",
          "[server][store]") {
    test::TempDir dir;
    SqliteStorageOptions options;
    options.path = dir.file("server.db");
    options.durable = false;
    auto first = SqliteStorage::open(options).value();
    REQUIRE(first->ensure_pool(kPool, 1).ok());
    const std::string identity = first->create_identity(kPool, 1).value();
    const RecordPatch put{sync::PatchOp::replace, "a", "1", 0, std::nullopt};
    REQUIRE(first->update_records(identity, "things", "device-a", {put}, 2).ok());

    auto second = SqliteStorage::open(options);
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == Errc::conflict);
    CHECK(second.status().message().find("give each its own --data") != std::string::npos);
    CHECK(first->list_records(identity, "things", 0, "", 0)->dataset_sync_count == 1);  // untouched

    first.reset();
    auto after_close = SqliteStorage::open(options);
    INFO(after_close.status().to_string());
    REQUIRE(after_close.ok());
    CHECK((*after_close)->list_records(identity, "things", 0, "", 0)->dataset_sync_count == 1);
}

TEST_CASE("SqliteStorage: the start-up check stops at its time budget, and the file opens",
          "[server][store]") {
    test::TempDir dir;
    SqliteStorageOptions options;
    options.path = dir.file("server.db");
    options.durable = false;
    {
        auto store = SqliteStorage::open(options).value();
        for (int i = 0; i < 200; ++i)
            REQUIRE(
                store->append_stream("events", "p", R"({"pad":")" + std::string(500, 'x') + R"("})", 1).ok());
    }
    options.integrity_check_budget = std::chrono::milliseconds(0);  // cut short at once: not damage
    auto reopened = SqliteStorage::open(options);
    INFO(reopened.status().to_string());
    REQUIRE(reopened.ok());
    CHECK((*reopened)->last_stream_seq().value() == 200);
}

TEST_CASE("SqliteStorage: an empty file is refused, a missing one is made under its own name",
          "[server][store]") {
    test::TempDir dir;
    SqliteStorageOptions options;
    options.path = dir.file("server.db");
    options.durable = false;
    std::ofstream(options.path).flush();
    auto empty = SqliteStorage::open(options);
    CHECK(empty.status().code() == Errc::corrupt);
    CHECK(std::filesystem::file_size(options.path) == 0);

    std::filesystem::remove(options.path);
    REQUIRE(SqliteStorage::open(options).ok());
    CHECK_FALSE(std::filesystem::exists(options.path + ".new"));
    CHECK(SqliteStorage::open(options).ok());
}
