// store_bench: the local store's write rates beside raw SQLite doing the same job, in the same run.
//
// Two workloads: put_all of N records (100-byte values) in one transaction, and M single durable puts
// (one transaction and one fsync each). The baseline is fair: it uses the store's own schema (created by
// opening a LocalStore), the same pragmas (WAL, synchronous=FULL) and the same SQL per record that a local
// write needs (upsert the record, append a change feed row; per transaction one dataset row update), with
// prepared statements. What it skips is exactly the store's overhead: validation, reading the old row
// (for no-op detection and size accounting), and the API layers. Both sides run interleaved so that disk
// and cache noise hit both alike; put_all keeps the best of several rounds for each side.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "synclatch/core/local_store.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/transaction.hpp"

namespace fs = std::filesystem;
using namespace synclatch;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kUsage = R"(usage: store_bench [--records N] [--puts M] [--rounds R] [--dir PATH]

Measures synclatch's local store against raw SQLite on the same schema, in one run:
  put_all of N records with 100-byte values in one transaction   (aim: >= 60% of raw)
  M single durable puts, one transaction and fsync each          (aim: >= 80% of raw)

  --records N   records for put_all (default 100000)
  --puts M      single puts (default 10000)
  --rounds R    put_all rounds per side; the best of each is kept (default 3)
  --dir PATH    folder for the database files (default: a new folder in the temp folder, removed after)
  --help        show this text
)";

constexpr std::string_view kDataset = "bench";
constexpr std::string_view kIdentity = core::kUnknownIdentityId;

std::string key_of(long i) {
    char key[32];
    std::snprintf(key, sizeof key, "key-%07ld", i);
    return key;
}

const std::string& value_100() {
    static const std::string value(100, 'v');
    return value;
}

[[noreturn]] void fail(std::string_view what, const Status& status) {
    std::fprintf(stderr, "store_bench: %.*s: %s\n", int(what.size()), what.data(),
                 status.to_string().c_str());
    std::exit(1);
}

std::unique_ptr<core::LocalStore> open_store(const fs::path& file) {
    core::StoreOptions options;
    options.path = file.string();
    auto store = core::LocalStore::open(options);
    if (!store.ok()) fail("open", store.status());
    return std::move(store).value();
}

// A raw connection to a file whose schema and dataset row were made by the store itself.
class RawWriter {
  public:
    explicit RawWriter(const fs::path& file) {
        auto made = open_store(file);
        if (auto ds = made->open_or_create_dataset(kDataset); !ds.ok()) fail("open dataset", ds.status());
        made.reset();
        db_ = std::make_unique<core::sqlite::Database>(file.string(), core::sqlite::OpenOptions{});
    }

    // One record as a local write does it: upsert the row, append the feed row.
    void write(const std::string& key, const std::string& value, std::int64_t now) {
        core::sqlite::StatementScope upsert(db_->cached(
            "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified, "
            "last_modified_by, device_last_modified, modified, origin) VALUES (?1, ?2, ?3, ?4, 0, 0, '', ?5, "
            "1, "
            "'local') ON CONFLICT (identity_id, dataset_name, key) DO UPDATE SET value = excluded.value, "
            "device_last_modified = excluded.device_last_modified, modified = 1, origin = 'local'"));
        upsert->bind(1, kIdentity).bind(2, kDataset).bind(3, key).bind(4, value).bind(5, now).run();
        core::sqlite::StatementScope feed(
            db_->cached("INSERT INTO change_feed (identity_id, dataset_name, key, value, origin, changed_at) "
                        "VALUES (?1, ?2, ?3, ?4, 'local', ?5)"));
        feed->bind(1, kIdentity).bind(2, kDataset).bind(3, key).bind(4, value).bind(5, now).run();
    }

    // Once per transaction, as the store keeps the dataset's size and count.
    void update_dataset(std::int64_t bytes, std::int64_t count, std::int64_t now) {
        core::sqlite::StatementScope update(db_->cached(
            "UPDATE datasets SET storage_bytes = storage_bytes + ?3, record_count = record_count + ?4, "
            "last_modified_time = ?5 WHERE identity_id = ?1 AND name = ?2"));
        update->bind(1, kIdentity).bind(2, kDataset).bind(3, bytes).bind(4, count).bind(5, now).run();
    }

    core::sqlite::Database& db() { return *db_; }

  private:
    std::unique_ptr<core::sqlite::Database> db_;
};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double store_put_all(const fs::path& file, const std::map<std::string, std::string>& records) {
    auto store = open_store(file);
    auto dataset = store->open_or_create_dataset(kDataset);
    if (!dataset.ok()) fail("open dataset", dataset.status());
    const auto start = Clock::now();
    if (Status s = dataset->put_all(records); !s.ok()) fail("put_all", s);
    return seconds_since(start);
}

double raw_put_all(const fs::path& file, const std::map<std::string, std::string>& records) {
    RawWriter raw(file);
    const auto start = Clock::now();
    const auto now = now_ms();
    core::sqlite::Transaction tx(raw.db());
    std::int64_t bytes = 0;
    for (const auto& [key, value] : records) {
        raw.write(key, value, now);
        bytes += static_cast<std::int64_t>(key.size() + value.size());
    }
    raw.update_dataset(bytes, static_cast<std::int64_t>(records.size()), now);
    tx.commit();
    return seconds_since(start);
}

struct Pair {
    double store_rate = 0;
    double raw_rate = 0;
};

void report(std::string_view title, const Pair& p, double aim) {
    const double ratio = p.store_rate / p.raw_rate;
    std::printf("\n%.*s\n", int(title.size()), title.data());
    std::printf("  synclatch  %12.0f records/s\n", p.store_rate);
    std::printf("  raw SQLite %12.0f records/s\n", p.raw_rate);
    std::printf("  ratio      %11.1f%%   (aim >= %.0f%%: %s)\n", ratio * 100, aim * 100,
                ratio >= aim ? "met" : "NOT met");
}

Pair bench_put_all(const fs::path& dir, long records, int rounds) {
    std::map<std::string, std::string> batch;
    for (long i = 0; i < records; ++i)
        batch.emplace(key_of(i), value_100());
    double best_store = 1e300;
    double best_raw = 1e300;
    for (int round = 0; round < rounds; ++round) {
        const auto store_file = dir / ("put_all-store-" + std::to_string(round) + ".db");
        const auto raw_file = dir / ("put_all-raw-" + std::to_string(round) + ".db");
        // Alternate which side goes first so neither always runs on a warmer cache.
        double store_seconds = 0;
        double raw_seconds = 0;
        if (round % 2 == 0) {
            store_seconds = store_put_all(store_file, batch);
            raw_seconds = raw_put_all(raw_file, batch);
        } else {
            raw_seconds = raw_put_all(raw_file, batch);
            store_seconds = store_put_all(store_file, batch);
        }
        best_store = std::min(best_store, store_seconds);
        best_raw = std::min(best_raw, raw_seconds);
        std::printf("  put_all round %d/%d: synclatch %.3f s, raw %.3f s\n", round + 1, rounds, store_seconds,
                    raw_seconds);
    }
    return {double(records) / best_store, double(records) / best_raw};
}

Pair bench_single_puts(const fs::path& dir, long puts) {
    auto store = open_store(dir / "single-store.db");
    auto dataset = store->open_or_create_dataset(kDataset);
    if (!dataset.ok()) fail("open dataset", dataset.status());
    RawWriter raw(dir / "single-raw.db");
    double store_seconds = 0;
    double raw_seconds = 0;
    constexpr long kChunk = 1000;  // sides alternate every chunk so fsync noise hits both alike
    for (long first = 0; first < puts; first += kChunk) {
        const long last = std::min(puts, first + kChunk);
        auto start = Clock::now();
        for (long i = first; i < last; ++i) {
            if (Status s = dataset->put(key_of(i), value_100()); !s.ok()) fail("put", s);
        }
        store_seconds += seconds_since(start);
        start = Clock::now();
        for (long i = first; i < last; ++i) {
            const std::string key = key_of(i);
            const auto now = now_ms();
            core::sqlite::Transaction tx(raw.db());
            raw.write(key, value_100(), now);
            raw.update_dataset(static_cast<std::int64_t>(key.size() + value_100().size()), 1, now);
            tx.commit();
        }
        raw_seconds += seconds_since(start);
        std::printf("\r  single puts: %ld/%ld", last, puts);
        std::fflush(stdout);
    }
    std::printf("\n");
    return {double(puts) / store_seconds, double(puts) / raw_seconds};
}

bool parse_long(const char* text, long& out) {
    char* end = nullptr;
    out = std::strtol(text, &end, 10);
    return end != text && *end == '\0' && out > 0;
}

}  // namespace

int main(int argc, char** argv) {
    long records = 100'000;
    long puts = 10'000;
    long rounds = 3;
    fs::path dir;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "--records" && has_value && parse_long(argv[i + 1], records)) {
            ++i;
        } else if (arg == "--puts" && has_value && parse_long(argv[i + 1], puts)) {
            ++i;
        } else if (arg == "--rounds" && has_value && parse_long(argv[i + 1], rounds)) {
            ++i;
        } else if (arg == "--dir" && has_value) {
            dir = argv[++i];
        } else {
            std::fprintf(stderr, "store_bench: bad argument '%s'\n\n%s", argv[i], kUsage);
            return 2;
        }
    }
    const bool temporary = dir.empty();
    if (temporary)
        dir = fs::temp_directory_path() / ("synclatch-bench-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);

    std::printf("store_bench: SQLite %s, %u hardware threads, files in %s\n", sqlite3_libversion(),
                std::thread::hardware_concurrency(), dir.string().c_str());
    const Pair bulk = bench_put_all(dir, records, static_cast<int>(rounds));
    const Pair single = bench_single_puts(dir, puts);
    report("put_all, " + std::to_string(records) + " records of 100 bytes, one transaction", bulk, 0.60);
    report(std::to_string(puts) + " single durable puts (one transaction and fsync each)", single, 0.80);
    if (temporary) fs::remove_all(dir);
    return 0;
}
