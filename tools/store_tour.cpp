// synclatch-store-tour: a narrated walk-through of the local dataset store. Each step says what it does,
// calls the public API, and prints what the store then holds, so a newcomer sees the model at work:
// local writes and tombstones, no-op puts, typed errors, remote (synced) writes, metadata, the change feed
// and its subscribers, identity switch and merge, and a dataset marked for remote deletion. The remote
// writes play the sync engine's part through its in-tree interface (core/engine), which apps cannot reach.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/engine/sync_dataset.hpp"
#include "synclatch/core/local_store.hpp"

namespace fs = std::filesystem;
using namespace synclatch::core;

namespace {

constexpr const char* kUsage = R"(usage: synclatch-store-tour [--data DIR] [--keep]

A narrated walk-through of synclatch's local dataset store: it creates a store, writes, removes,
applies a simulated sync, switches identity, and prints what happens at each step.

  --data DIR   where to create the store file (default: a new folder under the system temp folder)
  --keep       keep the store file afterwards (open it with: sqlite3 DIR/synclatch.db)
  --help       show this text
)";

void step(int number, std::string_view title) {
    std::printf("\n== %d. %.*s\n", number, int(title.size()), title.data());
}

void say(std::string_view text) {
    std::printf("   %.*s\n", int(text.size()), text.data());
}

// Ends the tour with the error when a call that should work does not.
template <class T>
T must(synclatch::Result<T> result, std::string_view what) {
    if (!result.ok()) {
        std::fprintf(stderr, "synclatch-store-tour: %.*s failed: %s\n", int(what.size()), what.data(),
                     result.status().to_string().c_str());
        std::exit(1);
    }
    return std::move(result).value();
}

void must(const synclatch::Status& status, std::string_view what) {
    if (!status.ok()) {
        std::fprintf(stderr, "synclatch-store-tour: %.*s failed: %s\n", int(what.size()), what.data(),
                     status.to_string().c_str());
        std::exit(1);
    }
}

void print_records(const Dataset& dataset) {
    auto records = must(dataset.get_all_records(), "get_all_records");
    std::printf("   %-10s %-34s %5s %9s %7s\n", "key", "value", "sync", "modified", "origin");
    for (const auto& r : records) {
        const std::string value = r.value ? *r.value : "(removed)";
        std::printf("   %-10s %-34s %5lld %9s %7s\n", r.key.c_str(), value.c_str(),
                    static_cast<long long>(r.sync_count), r.modified ? "yes" : "no",
                    std::string(to_string(r.origin)).c_str());
    }
}

void print_datasets(const LocalStore& store) {
    for (const auto& m : must(store.list_datasets(), "list_datasets")) {
        std::printf("   %-60s records %lld, %lld bytes, last sync count %lld\n", m.name.c_str(),
                    static_cast<long long>(m.record_count), static_cast<long long>(m.storage_bytes),
                    static_cast<long long>(m.last_sync_count));
    }
}

fs::path fresh_temp_dir() {
    std::random_device random;
    auto dir = fs::temp_directory_path() / ("synclatch-tour-" + std::to_string(random()));
    fs::create_directories(dir);
    return dir;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path dir;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "--keep") {
            keep = true;
        } else if (arg == "--data" && i + 1 < argc) {
            dir = argv[++i];
        } else {
            std::fprintf(stderr, "synclatch-store-tour: unknown argument '%s'\n\n%s", argv[i], kUsage);
            return 2;
        }
    }
    const bool temporary = dir.empty();
    if (temporary) dir = fresh_temp_dir();
    std::error_code made;
    fs::create_directories(dir, made);
    const std::string path = (dir / "synclatch.db").string();

    step(1, "Open the local store");
    StoreOptions options;
    options.path = path;
    auto store = must(LocalStore::open(options), "open");
    say("file: " + path + " (SQLite, WAL, schema migrated)");
    say("identity: " + store->identity_id() + " (no identity yet: apps can work before they have one)");

    step(2, "Open a dataset and subscribe to its changes");
    auto things = must(store->open_or_create_dataset("things"), "open_or_create_dataset");
    auto subscription = things.on_change([](const Change& c) {
        std::printf("   -> change #%lld: %s %s (%s)\n", static_cast<long long>(c.seq), c.key.c_str(),
                    c.value ? "set" : "removed", std::string(to_string(c.origin)).c_str());
    });
    say("dataset 'things' is open; a subscriber prints every committed change");

    step(3, "Write locally (works offline)");
    must(things.put("thing-1", R"({"name":"thing one"})"), "put");
    must(things.put_all({{"thing-2", R"({"name":"thing two"})"}, {"thing-3", R"({"name":"three"})"}}),
         "put_all");
    say("put thing-1, then put_all thing-2 and thing-3 in one transaction; all are modified, to be pushed:");
    print_records(things);

    step(4, "Write a value a key already has");
    must(things.put("thing-1", R"({"name":"thing one"})"), "put");
    say("nothing changed, so nothing is recorded and nothing will be pushed (no change line above)");

    step(5, "Remove a key");
    must(things.remove("thing-2"), "remove");
    say("the record stays as a tombstone so the removal can be synchronized; get_all skips it:");
    print_records(things);
    say("get_all has " + std::to_string(must(things.get_all(), "get_all").size()) + " live records");

    step(6, "Bad input gets a typed error and changes nothing");
    const auto refused = things.put(std::string(2000, 'k'), "value");
    say("put with a 2000-character key -> " + refused.to_string());
    const auto refused_name = store->open_or_create_dataset("no spaces allowed");
    say("dataset 'no spaces allowed' -> " + refused_name.status().to_string());

    step(7, "Apply what a sync pulled from the server");
    Record pulled;
    pulled.key = "thing-4";
    pulled.value = R"({"name":"from another device"})";
    pulled.sync_count = 1;
    pulled.last_modified_by = "device-b";
    engine::SyncDataset as_the_engine(things);  // the sync engine's writes: not part of an app's API
    must(as_the_engine.apply_remote(std::vector{pulled}), "apply_remote");
    must(as_the_engine.set_last_sync_count(1, "ok"), "set_last_sync_count");
    say("remote records are stored clean (modified = no, origin remote): they are never pushed back");
    say("(only the sync engine writes them: an app's Dataset has no apply_remote, since a clean record is");
    say(" never pushed)");
    print_records(things);
    say("records still to push: " +
        std::to_string(must(things.modified_records(), "modified_records").size()));

    step(8, "Dataset metadata");
    const auto meta = must(things.metadata(), "metadata");
    say("records " + std::to_string(meta.record_count) + ", " + std::to_string(meta.storage_bytes) +
        " bytes (UTF-8 keys + values), last sync count " + std::to_string(meta.last_sync_count) + " (" +
        meta.last_sync_result + ")");

    step(9, "The change feed, written in the same transaction as each record");
    for (const auto& c : must(store->changes_since(0, 100), "changes_since")) {
        std::printf("   #%lld %-8s %-8s %s\n", static_cast<long long>(c.seq), c.key.c_str(),
                    std::string(to_string(c.origin)).c_str(), c.value ? c.value->c_str() : "(removed)");
    }

    step(10, "Get an identity: the data written before is re-parented to it");
    const std::string alice = "us-east-1:a11ce000-0000-4000-8000-000000000001";
    must(store->set_identity_id(alice), "set_identity_id");
    say("identity: " + store->identity_id());
    print_datasets(*store);

    step(11, "Switch to another known identity: copy and keep a merged dataset");
    const std::string bob = "us-east-1:b0b00000-0000-4000-8000-000000000002";
    must(store->set_identity_id(bob), "set_identity_id");
    say("identity: " + store->identity_id() + "; 'things' is copied as new local writes (sync count 0),");
    say("and the old identity's dataset is kept as a merged dataset '<name>.<old identity>':");
    print_datasets(*store);

    step(12, "Remove a dataset");
    must(things.remove_dataset(), "remove_dataset");
    say("its records are gone locally and it waits for deletion on the server (last sync count -1):");
    print_datasets(*store);

    subscription.reset();
    store.reset();
    if (temporary && !keep) {
        fs::remove_all(dir, made);
        std::printf("\nDone. The store was in a temporary folder and has been removed (--keep keeps it).\n");
    } else {
        std::printf("\nDone. The store is at %s (try: sqlite3 %s 'SELECT * FROM records')\n", path.c_str(),
                    path.c_str());
    }
    return 0;
}
