// The copy, table by table: rows read from the embedded store in key order, inserted one by one, hashed
// on the way; then read back from PostgreSQL in the same order and hashed again, in the same transaction.
#include "store/postgres/pg_store_copy.hpp"

#include <openssl/evp.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_migrations.hpp"
#include "store/postgres/pg_signing_keys.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "synclatch/sqlite/database.hpp"
#include "synclatch/sqlite/error.hpp"
#include "synclatch/sqlite/transaction.hpp"
#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

namespace {

namespace sqlite = core::sqlite;

// One table: how its rows are read on each side (the same columns, rendered the same, in the same key
// order: text in byte order, as COLLATE "C" has it) and how one row is inserted.
struct TableCopy {
    const char* table;
    const char* count;  // SQLite: how many rows
    const char* read;   // SQLite: every row, in key order
    PgSql insert;       // PostgreSQL: one row, the columns of `read` as $1..$n
    PgSql read_back;    // PostgreSQL: DECLARE copy_check CURSOR for every row, as `read` renders them
    int columns;
};

// In foreign key order. server_meta without the SQLite engine's clock (latch_clock takes it over).
const TableCopy kTables[] = {
    {"server_meta", "SELECT count(*) FROM server_meta WHERE name <> 'clock'",
     "SELECT name, value FROM server_meta WHERE name <> 'clock' ORDER BY name",
     "INSERT INTO server_meta (name, value) VALUES ($1, $2)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT name, value FROM server_meta "
     "ORDER BY name COLLATE \"C\"",
     2},
    {"identity_pools", "SELECT count(*) FROM identity_pools",
     "SELECT pool_id, created, last_modified, sync_sessions, configuration, cognito_events, "
     "bulk_publish_status, bulk_publish_started, bulk_publish_completed, bulk_publish_failure "
     "FROM identity_pools ORDER BY pool_id",
     "INSERT INTO identity_pools (pool_id, created, last_modified, sync_sessions, configuration, "
     "cognito_events, bulk_publish_status, bulk_publish_started, bulk_publish_completed, "
     "bulk_publish_failure) VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5, $6, $7, $8::bigint, "
     "$9::bigint, $10)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT pool_id, created, last_modified, sync_sessions, "
     "configuration, cognito_events, bulk_publish_status, bulk_publish_started, bulk_publish_completed, "
     "bulk_publish_failure FROM identity_pools ORDER BY pool_id COLLATE \"C\"",
     10},
    {"identity_pool_definitions", "SELECT count(*) FROM identity_pool_definitions",
     "SELECT pool_id, definition FROM identity_pool_definitions ORDER BY pool_id",
     "INSERT INTO identity_pool_definitions (pool_id, definition) VALUES ($1, $2)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT pool_id, definition FROM identity_pool_definitions "
     "ORDER BY pool_id COLLATE \"C\"",
     2},
    {"identities", "SELECT count(*) FROM identities",
     "SELECT identity_id, pool_id, created, last_modified, merged_into, disabled_at FROM identities "
     "ORDER BY identity_id",
     "INSERT INTO identities (identity_id, pool_id, created, last_modified, merged_into, disabled_at) "
     "VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, pool_id, created, last_modified, "
     "merged_into, disabled_at FROM identities ORDER BY identity_id COLLATE \"C\"",
     6},
    {"identity_logins", "SELECT count(*) FROM identity_logins",
     "SELECT pool_id, provider, subject, identity_id, linked FROM identity_logins "
     "ORDER BY pool_id, provider, subject",
     "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) "
     "VALUES ($1, $2, $3, $4, $5::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT pool_id, provider, subject, identity_id, linked "
     "FROM identity_logins ORDER BY pool_id COLLATE \"C\", provider COLLATE \"C\", subject COLLATE \"C\"",
     5},
    {"credentials", "SELECT count(*) FROM credentials",
     "SELECT access_key_id, secret_key, session_token, identity_id, expiration FROM credentials "
     "ORDER BY access_key_id",
     "INSERT INTO credentials (access_key_id, secret_key, session_token, identity_id, expiration) "
     "VALUES ($1, $2, $3, $4, $5::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT access_key_id, secret_key, session_token, "
     "identity_id, expiration FROM credentials ORDER BY access_key_id COLLATE \"C\"",
     5},
    {"datasets", "SELECT count(*) FROM datasets",
     "SELECT identity_id, name, sync_count, exists_now, deleted_at, creation_date, last_modified_date, "
     "last_modified_by, data_storage, num_records, erased_version, erased_origin FROM datasets "
     "ORDER BY identity_id, name",
     "INSERT INTO datasets (identity_id, name, sync_count, exists_now, deleted_at, creation_date, "
     "last_modified_date, last_modified_by, data_storage, num_records, erased_version, erased_origin) "
     "VALUES ($1, $2, $3::bigint, $4::integer <> 0, $5::bigint, $6::bigint, $7::bigint, $8, $9::bigint, "
     "$10::bigint, $11::bigint, $12)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, name, sync_count, exists_now::integer, "
     "deleted_at, creation_date, last_modified_date, last_modified_by, data_storage, num_records, "
     "erased_version, erased_origin FROM datasets ORDER BY identity_id COLLATE \"C\", name COLLATE \"C\"",
     12},
    {"records", "SELECT count(*) FROM records",
     "SELECT identity_id, dataset_name, key, value, sync_count, last_modified_date, last_modified_by, "
     "device_last_modified_date, origin, version, origin_seq FROM records "
     "ORDER BY identity_id, dataset_name, key",
     "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified_date, "
     "last_modified_by, device_last_modified_date, origin, version, origin_seq) VALUES ($1, $2, $3, $4, "
     "$5::bigint, $6::bigint, $7, $8::bigint, $9, $10::bigint, $11::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, dataset_name, key, value, sync_count, "
     "last_modified_date, last_modified_by, device_last_modified_date, origin, version, origin_seq "
     "FROM records ORDER BY identity_id COLLATE \"C\", dataset_name COLLATE \"C\", key COLLATE \"C\"",
     11},
    {"devices", "SELECT count(*) FROM devices",
     "SELECT device_id, identity_id, platform, token, created FROM devices ORDER BY device_id",
     "INSERT INTO devices (device_id, identity_id, platform, token, created) "
     "VALUES ($1, $2, $3, $4, $5::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT device_id, identity_id, platform, token, created "
     "FROM devices ORDER BY device_id COLLATE \"C\"",
     5},
    {"subscriptions", "SELECT count(*) FROM subscriptions",
     "SELECT identity_id, dataset_name, device_id FROM subscriptions "
     "ORDER BY identity_id, dataset_name, device_id",
     "INSERT INTO subscriptions (identity_id, dataset_name, device_id) VALUES ($1, $2, $3)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, dataset_name, device_id FROM subscriptions "
     "ORDER BY identity_id COLLATE \"C\", dataset_name COLLATE \"C\", device_id COLLATE \"C\"",
     3},
    {"stream_records", "SELECT count(*) FROM stream_records",
     "SELECT seq, stream, partition_key, data, created FROM stream_records ORDER BY seq",
     "INSERT INTO stream_records (seq, stream, partition_key, data, created) "
     "VALUES ($1::bigint, $2, $3, $4, $5::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT seq, stream, partition_key, data, created "
     "FROM stream_records ORDER BY seq",
     5},
    {"stream_checkpoints", "SELECT count(*) FROM stream_checkpoints",
     "SELECT stream, consumer_group, seq, updated FROM stream_checkpoints ORDER BY stream, consumer_group",
     "INSERT INTO stream_checkpoints (stream, consumer_group, seq, updated) "
     "VALUES ($1, $2, $3::bigint, $4::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT stream, consumer_group, seq, updated "
     "FROM stream_checkpoints ORDER BY stream COLLATE \"C\", consumer_group COLLATE \"C\"",
     4},
    {"stream_trims", "SELECT count(*) FROM stream_trims",
     "SELECT stream, through_seq FROM stream_trims ORDER BY stream",
     "INSERT INTO stream_trims (stream, through_seq) VALUES ($1, $2::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT stream, through_seq FROM stream_trims "
     "ORDER BY stream COLLATE \"C\"",
     2},
    {"import_marks", "SELECT count(*) FROM import_marks",
     "SELECT identity_id, dataset_name, source_last_modified, sync_count, dataset_exists FROM import_marks "
     "ORDER BY identity_id, dataset_name",
     "INSERT INTO import_marks (identity_id, dataset_name, source_last_modified, sync_count, dataset_exists) "
     "VALUES ($1, $2, $3::bigint, $4::bigint, $5::integer <> 0)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, dataset_name, source_last_modified, "
     "sync_count, dataset_exists::integer FROM import_marks "
     "ORDER BY identity_id COLLATE \"C\", dataset_name COLLATE \"C\"",
     5},
    {"import_runs", "SELECT count(*) FROM import_runs",
     "SELECT pool_id, started, next_token, identities_done FROM import_runs ORDER BY pool_id",
     "INSERT INTO import_runs (pool_id, started, next_token, identities_done) "
     "VALUES ($1, $2::bigint, $3, $4::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT pool_id, started, next_token, identities_done "
     "FROM import_runs ORDER BY pool_id COLLATE \"C\"",
     4},
    {"unlinked_providers", "SELECT count(*) FROM unlinked_providers",
     "SELECT identity_id, provider FROM unlinked_providers ORDER BY identity_id, provider",
     "INSERT INTO unlinked_providers (identity_id, provider) VALUES ($1, $2)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT identity_id, provider FROM unlinked_providers "
     "ORDER BY identity_id COLLATE \"C\", provider COLLATE \"C\"",
     2},
    {"applied_events", "SELECT count(*) FROM applied_events",
     "SELECT processor, event_id, applied FROM applied_events ORDER BY processor, event_id",
     "INSERT INTO applied_events (processor, event_id, applied) VALUES ($1, $2, $3::bigint)",
     "DECLARE copy_check NO SCROLL CURSOR FOR SELECT processor, event_id, applied FROM applied_events "
     "ORDER BY processor COLLATE \"C\", event_id COLLATE \"C\"",
     3},
};

constexpr std::int64_t kFetchRows = 5000;  // rows read back per FETCH: the memory a check holds at once

// SHA-256 over rows, each cell as NULL or its length and bytes, so that no two different tables of
// cells hash alike.
class RowHash {
  public:
    RowHash() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
        if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
            throw std::runtime_error("SHA-256 is not available");
    }
    void cell(const std::optional<std::string_view>& value) {
        if (!value) return add("\0", 1);
        std::string length("\x01");
        length.append(std::to_string(value->size())).append(":");
        add(length.data(), length.size());
        add(value->data(), value->size());
    }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(context_.get(), digest, &size);
        return sync::detail::hex(std::string_view(reinterpret_cast<const char*>(digest), size));
    }

  private:
    void add(const char* data, std::size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

// The target holds nothing: not even a deployment id, which a server that started on it would have left.
Status check_target_empty(PgConnection& tx) {
    auto found = tx.exec(
        "SELECT 'server_meta' FROM server_meta UNION ALL SELECT 'identity_pools' FROM identity_pools "
        "UNION ALL SELECT 'identities' FROM identities UNION ALL SELECT 'datasets' FROM datasets "
        "UNION ALL SELECT 'records' FROM records UNION ALL SELECT 'credentials' FROM credentials "
        "UNION ALL SELECT 'devices' FROM devices UNION ALL SELECT 'stream_records' FROM stream_records "
        "UNION ALL SELECT 'stream_checkpoints' FROM stream_checkpoints "
        "UNION ALL SELECT 'stream_trims' FROM stream_trims "
        "UNION ALL SELECT 'applied_events' FROM applied_events UNION ALL SELECT 'sync_sessions' FROM "
        "sync_sessions UNION ALL SELECT 'leader_leases' FROM leader_leases LIMIT 1");
    if (!found) return found.status();
    if (found->rows() == 0) return {};
    return {Errc::conflict, std::string("the target database is not empty (it has rows in ")
                                .append(found->text(0, 0))
                                .append("; a synclatch-server that started on it leaves its deployment id): "
                                        "copy into a new database")};
}

// Copies one table's rows (hashing them as read), then reads them back and hashes them again.
Result<CopiedTable> copy_table(sqlite::Database& source, PgConnection& tx, const TableCopy& spec,
                               const StoreCopyProgress& progress) {
    CopiedTable copied{spec.table, 0, {}, {}};
    std::int64_t total = 0;
    {
        sqlite::StatementScope count(source.cached(spec.count));
        if (count->step()) total = count->column_int64(0);
    }
    RowHash source_hash;
    sqlite::StatementScope rows(source.cached(spec.read));
    std::vector<PgParam> params(static_cast<std::size_t>(spec.columns));
    while (rows->step()) {
        for (int c = 0; c < spec.columns; ++c) {
            auto value = rows->column_optional_string(c);
            if (value && value->find('\0') != std::string::npos) {
                return Status{Errc::invalid_argument,
                              std::string("a value in table ")
                                  .append(spec.table)
                                  .append(" holds a NUL character, which PostgreSQL text cannot hold")};
            }
            source_hash.cell(value ? std::optional<std::string_view>(*value) : std::nullopt);
            params[static_cast<std::size_t>(c)] = PgParam(std::move(value));
        }
        if (auto inserted = tx.exec(spec.insert, params); !inserted) return inserted.status();
        ++copied.rows;
        if (progress && (copied.rows % 10'000 == 0 || copied.rows == total))
            progress(spec.table, copied.rows, total);
    }
    copied.source_sha256 = source_hash.hex();

    RowHash target_hash;
    std::int64_t read_back = 0;
    if (auto declared = tx.exec(spec.read_back); !declared) return declared.status();
    for (;;) {
        auto page = tx.exec("FETCH 5000 FROM copy_check");
        static_assert(kFetchRows == 5000, "the FETCH above reads kFetchRows");
        if (!page) return page.status();
        for (int r = 0; r < page->rows(); ++r) {
            for (int c = 0; c < spec.columns; ++c) {
                target_hash.cell(page->is_null(r, c) ? std::nullopt
                                                     : std::optional<std::string_view>(page->text(r, c)));
            }
        }
        read_back += page->rows();
        if (page->rows() < kFetchRows) break;
    }
    if (auto closed = tx.exec("CLOSE copy_check"); !closed) return closed.status();
    copied.target_sha256 = target_hash.hex();
    if (read_back != copied.rows) copied.target_sha256 = "rows: " + std::to_string(read_back);
    return copied;
}

// The numbers the target hands out next continue the source's: no stream sequence number is given twice
// (SQLite's AUTOINCREMENT remembers numbers of records retention dropped), and every local write orders
// after the copied versions (the SQLite engine's clock).
Status continue_sequences(sqlite::Database& source, PgConnection& tx, StoreCopyReport& report) {
    {
        sqlite::StatementScope seq(source.cached(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'stream_records'), 0), "
            "coalesce((SELECT max(seq) FROM stream_records), 0))"));
        report.stream_seq = seq->step() ? seq->column_int64(0) : 0;
    }
    {
        sqlite::StatementScope clock(
            source.cached("SELECT CAST(value AS INTEGER) FROM server_meta WHERE name = 'clock'"));
        report.latch_clock = clock->step() ? clock->column_int64(0) : 0;
    }
    // setval is not undone by a rollback: harmless, as the target is empty again then and a new copy sets
    // both once more.
    if (report.stream_seq > 0) {
        if (auto set = tx.exec("SELECT setval('stream_seq', $1::bigint)", {report.stream_seq}); !set)
            return set.status();
    }
    if (report.latch_clock > 0) {
        if (auto set = tx.exec("SELECT setval('latch_clock', $1::bigint)", {report.latch_clock}); !set)
            return set.status();
    }
    return {};
}

}  // namespace

Result<StoreCopyReport> copy_sqlite_store_to_postgres(const std::string& sqlite_path,
                                                      const std::string& pg_url,
                                                      const std::optional<StoredSigningKeys>& signing_keys,
                                                      const StoreCopyProgress& progress) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(sqlite_path, error))
        return Status{Errc::not_found, "no embedded store at " + sqlite_path};
    // Opened as a server would open it (checked whole, its schema brought up to date, its lock taken, so
    // that no server writes to it meanwhile), and read through a second connection in one snapshot.
    SqliteStorageOptions source_options;
    source_options.path = sqlite_path;
    auto locked = SqliteStorage::open(source_options);
    if (!locked) return locked.status();

    auto target = PgConnection::open(pg_url);
    if (!target) return target.status();
    if (Status migrated = pg_migrate(*target, pg_server_migrations()); !migrated) return migrated;

    StoreCopyReport report;
    try {
        sqlite::OpenOptions read_only;
        read_only.read_only = true;
        sqlite::Database source(sqlite_path, read_only);
        sqlite::Transaction snapshot(source, sqlite::Transaction::Mode::deferred);
        bool mismatch = false;
        Status outcome = target->transaction([&](PgConnection& tx) -> Status {
            if (Status empty = check_target_empty(tx); !empty) return empty;
            report.verified = true;
            for (const auto& spec : kTables) {
                auto copied = copy_table(source, tx, spec, progress);
                if (!copied) return copied.status();
                if (copied->source_sha256 != copied->target_sha256) report.verified = false;
                report.tables.push_back(std::move(copied).value());
            }
            if (Status continued = continue_sequences(source, tx, report); !continued) return continued;
            // Not verified: roll back, and say which table in the report.
            mismatch = !report.verified;
            if (mismatch) return {Errc::corrupt, "the copy does not match its source"};
            if (signing_keys) {
                auto stored =
                    pg_adopt_signing_keys(tx, signing_keys->current_pem, signing_keys->previous_pem);
                if (!stored) return stored.status();
                report.signing_keys_copied = true;
            }
            return {};
        });
        if (!outcome && !mismatch) return outcome;
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
    return report;
}

}  // namespace synclatch::server
