// StoreFixture: a LocalStore in a temp dir with a controllable clock, for the core tests.
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "support/temp_dir.hpp"
#include "synclatch/core/engine/sync_dataset.hpp"
#include "synclatch/core/local_store.hpp"

namespace synclatch::test {

struct StoreFixture {
    StoreFixture() : store(open()) {}

    // Opens (or reopens) the fixture's file; fails the test when it cannot.
    std::unique_ptr<core::LocalStore> open() {
        core::StoreOptions options;
        options.path = path();
        options.durability = core::Durability::normal;  // unit tests need no fsync; the crash test uses full
        options.clock = [this] { return now.load(); };
        auto opened = core::LocalStore::open(options);
        INFO(opened.status().to_string());
        REQUIRE(opened.ok());
        return std::move(opened).value();
    }

    core::Dataset dataset(const std::string& name) {
        auto opened = store->open_or_create_dataset(name);
        INFO(opened.status().to_string());
        REQUIRE(opened.ok());
        return opened.value();
    }

    // The same dataset as the sync engine sees it: the app's calls plus the engine's writes (core/engine).
    core::engine::SyncDataset engine_dataset(const std::string& name) {
        return core::engine::SyncDataset(dataset(name));
    }

    std::string path() const { return dir.file("store.db"); }

    TempDir dir;
    std::atomic<core::EpochMillis> now{1'700'000'000'000};
    std::unique_ptr<core::LocalStore> store;
};

}  // namespace synclatch::test
