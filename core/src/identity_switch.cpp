// Identity switch, as the Cognito SDKs do it, minus their defects (SQL built from ids, a failed copy when
// both identities have a dataset of the same name, stale sizes). All SQL here is fixed text with bound ids.
#include "identity_switch.hpp"

#include <string>
#include <vector>

#include "synclatch/core/local_store.hpp"

namespace synclatch::core::detail {

namespace {

std::vector<std::string> dataset_names(sqlite::Database& db, std::string_view identity) {
    std::vector<std::string> names;
    sqlite::StatementScope select(
        db.cached("SELECT name FROM datasets WHERE identity_id = ?1 ORDER BY name"));
    select->bind(1, identity);
    while (select->step())
        names.push_back(select->column_string(0));
    return names;
}

bool has_dataset(sqlite::Database& db, std::string_view identity, std::string_view name) {
    sqlite::StatementScope select(db.cached("SELECT 1 FROM datasets WHERE identity_id = ?1 AND name = ?2"));
    select->bind(1, identity).bind(2, name);
    return select->step();
}

// Moves dataset (from_identity, from_name) to (to_identity, to_name), replacing what is there.
void move_dataset(sqlite::Database& db, std::string_view from_identity, std::string_view from_name,
                  std::string_view to_identity, std::string_view to_name) {
    {
        sqlite::StatementScope drop(db.cached("DELETE FROM datasets WHERE identity_id = ?1 AND name = ?2"));
        drop->bind(1, to_identity).bind(2, to_name).run();
    }
    {
        sqlite::StatementScope drop(
            db.cached("DELETE FROM records WHERE identity_id = ?1 AND dataset_name = ?2"));
        drop->bind(1, to_identity).bind(2, to_name).run();
    }
    {
        sqlite::StatementScope move(db.cached(
            "UPDATE datasets SET identity_id = ?3, name = ?4 WHERE identity_id = ?1 AND name = ?2"));
        move->bind(1, from_identity).bind(2, from_name).bind(3, to_identity).bind(4, to_name).run();
    }
    sqlite::StatementScope move(
        db.cached("UPDATE records SET identity_id = ?3, dataset_name = ?4 WHERE identity_id = ?1 AND "
                  "dataset_name = ?2"));
    move->bind(1, from_identity).bind(2, from_name).bind(3, to_identity).bind(4, to_name).run();
}

// Copies the live records of (old, name) into (new, name) as new local writes: sync count 0, modified,
// so the next sync pushes them to the new identity. Keys the new identity has already are kept.
void copy_as_local_writes(sqlite::Database& db, std::string_view old_identity, std::string_view new_identity,
                          std::string_view name, EpochMillis now) {
    {
        sqlite::StatementScope create(
            db.cached("INSERT INTO datasets (identity_id, name, creation_time, last_modified_time) "
                      "SELECT ?2, name, creation_time, ?4 FROM datasets WHERE identity_id = ?1 AND name = ?3 "
                      "ON CONFLICT (identity_id, name) DO NOTHING"));
        create->bind(1, old_identity).bind(2, new_identity).bind(3, name).bind(4, now).run();
    }
    sqlite::StatementScope copy(db.cached(
        "INSERT INTO records (identity_id, dataset_name, key, value, sync_count, last_modified, "
        "last_modified_by, "
        "                     device_last_modified, modified, origin) "
        "SELECT ?2, dataset_name, key, value, 0, 0, '', device_last_modified, 1, 'local' FROM records "
        "WHERE identity_id = ?1 AND dataset_name = ?3 AND value IS NOT NULL "
        "ON CONFLICT (identity_id, dataset_name, key) DO NOTHING"));
    copy->bind(1, old_identity).bind(2, new_identity).bind(3, name).run();
}

// Sizes and counts of every dataset of identity, recomputed from its records.
void recompute_stats(sqlite::Database& db, std::string_view identity) {
    sqlite::StatementScope update(
        db.cached("UPDATE datasets SET "
                  "storage_bytes = (SELECT COALESCE(SUM(length(CAST(r.key AS BLOB)) + length(CAST(r.value AS "
                  "BLOB))), 0) "
                  "                 FROM records r WHERE r.identity_id = datasets.identity_id "
                  "                 AND r.dataset_name = datasets.name AND r.value IS NOT NULL), "
                  "record_count = (SELECT COUNT(*) FROM records r WHERE r.identity_id = datasets.identity_id "
                  "                AND r.dataset_name = datasets.name AND r.value IS NOT NULL) "
                  "WHERE identity_id = ?1"));
    update->bind(1, identity).run();
}

}  // namespace

void switch_identity(sqlite::Database& db, std::string_view old_identity, std::string_view new_identity,
                     EpochMillis now) {
    const auto names = dataset_names(db, old_identity);
    // Not "." + std::string(...): GCC 12 warns of a memcpy overlap there (-Wrestrict, GCC bug 105329).
    const std::string old_suffix = std::string(".").append(old_identity);
    if (old_identity == kUnknownIdentityId) {
        // Data written before the app had an identity simply becomes the new identity's.
        for (const auto& name : names) {
            const bool clash = has_dataset(db, new_identity, name);
            move_dataset(db, old_identity, name, new_identity, clash ? name + old_suffix : name);
        }
    } else {
        for (const auto& name : names) {
            copy_as_local_writes(db, old_identity, new_identity, name, now);
            move_dataset(db, old_identity, name, new_identity, name + old_suffix);
        }
    }
    recompute_stats(db, new_identity);
    sqlite::StatementScope remember(
        db.cached("INSERT INTO store_meta (name, value) VALUES ('identity_id', ?1) "
                  "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
    remember->bind(1, new_identity).run();
}

}  // namespace synclatch::core::detail
