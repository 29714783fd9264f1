// PgStorage's identities: new ones and their credentials through group commit, and what an identity is,
// holds and became (pool, credentials, survivor, logins, listing, deletion). Sign-ins are in
// pg_sign_ins.cpp.
#include <algorithm>
#include <memory>

#include "store/postgres/pg_identity_deletion.hpp"
#include "store/postgres/pg_identity_rows.hpp"
#include "store/postgres/pg_limit.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/random_ids.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

namespace {

// Expired credentials that one issue deletes at most: issuing stays quick however many expired at once,
// and the rest go with the next issues.
constexpr std::int64_t kExpiredCredentialsPerIssue = 100;

// How far survivor_of follows merges of merges (they never form a cycle; this only bounds the work).
constexpr int kMaxMergeSteps = 100;

}  // namespace

void PgStorage::submit_create_identity(std::string pool_id, EpochMillis now, CreateIdentityDone done) {
    if (Status s = core::validate_identity_pool_id(pool_id); !s.ok()) return done(std::move(s));
    auto created = std::make_shared<std::string>();
    std::string order_key = pool_id;
    // Re-runnable: a batch run again makes a new id, and the one of the run that commits is answered.
    impl_->committer.submit(
        std::move(order_key),
        [pool_id = std::move(pool_id), now, created](PgConnection& tx, PgStreamAppends&) -> Status {
            try {
                *created = new_identity_id(pool_id);
            } catch (const RandomnessUnavailable& e) {
                return {Errc::internal, e.what()};
            }
            return pg_insert_identity(tx, pool_id, *created, now);
        },
        [created, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            done(std::move(*created));
        });
}

Result<std::string> PgStorage::pool_of(std::string_view identity_id) const {
    // Not cached: a merge or deletion on another server must be seen at once.
    return impl_->read_one_statement([&](PgConnection& conn) -> Result<std::string> {
        auto row = conn.exec("SELECT pool_id FROM identities WHERE identity_id = $1 AND merged_into IS NULL",
                             {identity_id});
        if (!row) return row.status();
        if (row->rows() == 0) return identity_not_found(identity_id);
        return std::string(row->text(0, 0));
    });
}

void PgStorage::submit_issue_credentials(std::string identity_id, EpochMillis now, EpochMillis lifetime_ms,
                                         IssueCredentialsDone done) {
    auto issued = std::make_shared<IdentityCredentials>();
    std::string order_key = identity_id;
    impl_->committer.submit(
        std::move(order_key),
        [identity_id = std::move(identity_id), now, lifetime_ms, issued](PgConnection& tx,
                                                                         PgStreamAppends&) -> Status {
            // FOR KEY SHARE: a merge or deletion of the identity in flight finishes first, and then the
            // identity is found merged or gone (not a failed foreign key).
            auto identity = tx.exec(
                "SELECT 1 FROM identities WHERE identity_id = $1 AND merged_into IS NULL FOR KEY SHARE",
                {identity_id});
            if (!identity) return identity.status();
            if (identity->rows() == 0) return identity_not_found(identity_id);
            // SKIP LOCKED: concurrent issues (of any server) each take expired rows no other one holds.
            auto expired = tx.exec(
                "DELETE FROM credentials WHERE access_key_id IN (SELECT access_key_id FROM credentials "
                "WHERE expiration < $1::bigint ORDER BY expiration LIMIT $2::bigint FOR UPDATE SKIP LOCKED)",
                {now, kExpiredCredentialsPerIssue});
            if (!expired) return expired.status();
            try {
                *issued = IdentityCredentials{new_access_key_id(), random_hex(20), random_hex(48),
                                              identity_id, now + lifetime_ms};
            } catch (const RandomnessUnavailable& e) {
                return {Errc::internal, e.what()};
            }
            return tx
                .exec(
                    "INSERT INTO credentials (access_key_id, secret_key, session_token, identity_id, "
                    "expiration) VALUES ($1, $2, $3, $4, $5::bigint)",
                    {issued->access_key_id, issued->secret_key, issued->session_token, issued->identity_id,
                     issued->expiration})
                .status();
        },
        [issued, done = std::move(done)](Status outcome) {
            if (!outcome.ok()) return done(std::move(outcome));
            done(std::move(*issued));
        });
}

Result<std::optional<IdentityCredentials>> PgStorage::newest_credentials(std::string_view identity_id,
                                                                         EpochMillis expiring_after) const {
    return impl_->read_one_statement([&](PgConnection& conn) -> Result<std::optional<IdentityCredentials>> {
        auto row = conn.exec(
            "SELECT access_key_id, secret_key, session_token, expiration FROM credentials "
            "WHERE identity_id = $1 AND expiration > $2::bigint "
            "ORDER BY expiration DESC, access_key_id COLLATE \"C\" DESC LIMIT 1",
            {identity_id, expiring_after});
        if (!row) return row.status();
        if (row->rows() == 0) return std::optional<IdentityCredentials>{};
        return std::optional<IdentityCredentials>{
            IdentityCredentials{std::string(row->text(0, 0)), std::string(row->text(0, 1)),
                                std::string(row->text(0, 2)), std::string(identity_id), row->int64(0, 3)}};
    });
}

Result<IdentityCredentials> PgStorage::find_credentials(std::string_view access_key_id) const {
    // Not cached: a merge, deletion or unlink on another server revokes credentials at once. The join keeps
    // out those of an identity that can no longer act even before their rows are gone.
    return impl_->read_one_statement([&](PgConnection& conn) -> Result<IdentityCredentials> {
        auto row = conn.exec(
            "SELECT c.secret_key, c.session_token, c.identity_id, c.expiration FROM credentials c "
            "JOIN identities i ON i.identity_id = c.identity_id "
            "WHERE c.access_key_id = $1 AND i.merged_into IS NULL AND i.disabled_at IS NULL",
            {access_key_id});
        if (!row) return row.status();
        if (row->rows() == 0) return credentials_not_found();
        return IdentityCredentials{std::string(access_key_id), std::string(row->text(0, 0)),
                                   std::string(row->text(0, 1)), std::string(row->text(0, 2)),
                                   row->int64(0, 3)};
    });
}

Result<std::optional<std::string>> PgStorage::survivor_of(std::string_view identity_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::optional<std::string>> {
        auto identity = pg_load_identity(tx, identity_id, false);
        if (!identity) return identity.status();
        if (!*identity) return identity_not_found(identity_id);
        std::optional<std::string> survivor = (*identity)->merged_into;
        for (int step = 0; survivor && step < kMaxMergeSteps; ++step) {
            auto next = pg_load_identity(tx, *survivor, false);
            if (!next) return next.status();
            if (!*next) return identity_not_found(identity_id);  // the survivor was deleted since
            if (!(*next)->merged_into) return survivor;
            survivor = (*next)->merged_into;
        }
        if (survivor) return identity_not_found(identity_id);
        return std::optional<std::string>{};
    });
}

Result<std::vector<Login>> PgStorage::logins(std::string_view identity_id) const {
    return impl_->read([&](PgConnection& tx) { return pg_logins_of(tx, identity_id); });
}

Status PgStorage::delete_identities(const std::vector<std::string>& identity_ids) {
    return impl_->write([&](PgConnection& tx) -> Status {
        // All rows locked first, in id order: a sign-in, merge or deletion of some of them that runs at the
        // same time (on any server) waits for this one or comes first, and none waits in a cycle.
        if (Status locked = pg_lock_identities(tx, identity_ids); !locked) return locked;
        for (const auto& identity : identity_ids)
            if (auto deleted = pg_delete_identity(tx, identity); !deleted) return deleted.status();
        return {};
    });
}

Result<std::vector<ListedIdentity>> PgStorage::list_identities(std::string_view pool_id,
                                                               std::string_view after, std::size_t limit,
                                                               bool hide_disabled) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::vector<ListedIdentity>> {
        // The page's identities with their logins, one row per login (one with NULLs for a guest).
        auto rows = tx.exec(
            "SELECT p.identity_id, p.created, p.last_modified, l.provider, l.subject FROM "
            "(SELECT identity_id, created, last_modified FROM identities WHERE pool_id = $1 "
            "AND identity_id COLLATE \"C\" > $2 AND merged_into IS NULL AND (NOT $3::boolean OR disabled_at "
            "IS NULL) ORDER BY identity_id COLLATE \"C\" LIMIT $4::bigint) p "
            "LEFT JOIN identity_logins l ON l.identity_id = p.identity_id "
            "ORDER BY p.identity_id COLLATE \"C\", l.provider COLLATE \"C\", l.subject COLLATE \"C\"",
            {pool_id, after, hide_disabled ? "true" : "false", pg_limit(limit)});
        if (!rows) return rows.status();
        std::vector<ListedIdentity> page;
        for (int row = 0; row < rows->rows(); ++row) {
            if (page.empty() || page.back().identity_id != rows->text(row, 0))
                page.push_back(ListedIdentity{
                    std::string(rows->text(row, 0)), {}, rows->int64(row, 1), rows->int64(row, 2)});
            if (!rows->is_null(row, 3))
                page.back().logins.push_back(
                    Login{std::string(rows->text(row, 3)), std::string(rows->text(row, 4))});
        }
        return page;
    });
}

Result<IdentityDescription> PgStorage::describe_identity(std::string_view identity_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<IdentityDescription> {
        auto identity = pg_load_identity(tx, identity_id, false);
        if (!identity) return identity.status();
        if (!*identity || (*identity)->merged_into) return identity_not_found(identity_id);
        auto logins = pg_logins_of(tx, identity_id);
        if (!logins) return logins.status();
        return IdentityDescription{(*identity)->pool_id, std::move(logins).value(), (*identity)->created,
                                   (*identity)->last_modified};
    });
}

}  // namespace synclatch::server
