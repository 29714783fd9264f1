// SqliteStorage's sign-in part: logins, merges, unlinks and deletions on the writer, and what they make
// stale in its caches.
#include "store/sqlite/sqlite_storage.hpp"

#include <algorithm>
#include <mutex>

#include "store/sqlite/identity_deletion.hpp"
#include "store/sqlite/identity_logins.hpp"
#include "store/sqlite/identity_merge.hpp"
#include "store/sqlite/identity_rows.hpp"
#include "store/sqlite/sqlite_storage_impl.hpp"
#include "store/storage_errors.hpp"

namespace synclatch::server {

// The clock fn moved is persisted before the commit; the identities it retired are remembered under the
// writer's lock, so that no write queued before the merge or deletion lands on them.
template <class T, class Fn, class RetiredOf>
Result<T> SqliteStorage::write_retiring(Fn&& fn, RetiredOf&& retired_of) {
    SqliteStorage::Impl& impl = *impl_;
    try {
        std::lock_guard lock(impl.write_mutex);
        sqlite::Transaction tx(impl.writer, sqlite::Transaction::Mode::immediate);
        Result<T> result = fn(impl.writer);
        if (!result.ok()) return result;
        persist_clock(impl.writer, impl.clock);
        tx.commit();
        for (std::string& identity : retired_of(*result))
            impl.retire(std::move(identity));
        return result;
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
}

Result<std::vector<MovedDataset>> SqliteStorage::merge(std::string_view survivor, std::string_view merged,
                                                       EpochMillis now) {
    auto moved = write_retiring<std::vector<MovedDataset>>(
        [&](sqlite::Database& db) {
            return merge_identity(db, impl_->clock, impl_->limits, impl_->deployment_id, survivor, merged,
                                  now);
        },
        [&](const auto&) { return std::vector<std::string>{std::string(merged)}; });
    if (moved.ok()) forget(std::string(merged));
    return moved;
}

Result<std::optional<std::string>> SqliteStorage::find_for_logins(std::string_view pool_id,
                                                                  const std::vector<Login>& logins) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<std::string>> {
        std::optional<std::string> identity;
        for (const auto& login : logins) {
            auto owner = owner_of(db, pool_id, login);
            if (!owner || (identity && *identity != *owner)) return std::optional<std::string>{};
            identity = std::move(owner);
        }
        return identity;
    });
}

Result<SignIn> SqliteStorage::identity_for_logins(std::string_view pool_id, const std::vector<Login>& logins,
                                                  EpochMillis now) {
    auto known = find_for_logins(pool_id, logins);
    if (!known.ok()) return known.status();
    if (*known) return SignIn{std::move(**known), false, std::nullopt, {}};
    return write_retiring<SignIn>(
        [&](sqlite::Database& db) { return server::identity_for_logins(db, pool_id, logins, now); },
        [](const SignIn&) { return std::vector<std::string>{}; });
}

Result<SignIn> SqliteStorage::authorize(std::string_view identity_id, const std::vector<Login>& logins,
                                        bool proven, EpochMillis now) {
    // The common cases change nothing: a guest without logins, an identity presenting its own.
    auto unchanged = impl_->read([&](sqlite::Database& db) -> Result<bool> {
        const auto identity = load_identity(db, identity_id);
        if (!identity || identity->merged) return identity_not_found(identity_id);
        if (identity->disabled) return false;  // authorize_identity says why
        const auto own = logins_of(db, identity_id);
        if (logins.empty()) return own.empty() || proven;
        return std::all_of(logins.begin(), logins.end(), [&](const Login& login) {
            return std::find(own.begin(), own.end(), login) != own.end();
        });
    });
    if (!unchanged.ok()) return unchanged.status();
    if (*unchanged) return SignIn{std::string(identity_id), false, std::nullopt, {}};
    auto signed_in = write_retiring<SignIn>(
        [&](sqlite::Database& db) {
            return authorize_identity(db, impl_->clock, impl_->limits, impl_->deployment_id, identity_id,
                                      logins, proven, now);
        },
        [](const SignIn& answer) {
            return answer.merged ? std::vector<std::string>{*answer.merged} : std::vector<std::string>{};
        });
    if (signed_in.ok() && signed_in->merged) forget(*signed_in->merged);
    return signed_in;
}

Result<std::optional<std::string>> SqliteStorage::survivor_of(std::string_view identity_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::optional<std::string>> {
        auto identity = load_identity(db, identity_id);
        if (!identity) return identity_not_found(identity_id);
        if (!identity->merged) return std::optional<std::string>{};
        // A survivor merged in turn: follow on, a bounded number of steps (merges never form a cycle).
        std::string survivor = identity->merged_into;
        for (int step = 0; step < 100; ++step) {
            auto next = load_identity(db, survivor);
            if (!next) return identity_not_found(identity_id);
            if (!next->merged) return std::optional<std::string>(survivor);
            survivor = next->merged_into;
        }
        return identity_not_found(identity_id);
    });
}

Result<std::vector<Login>> SqliteStorage::logins(std::string_view identity_id) const {
    return impl_->read(
        [&](sqlite::Database& db) -> Result<std::vector<Login>> { return logins_of(db, identity_id); });
}

Result<bool> SqliteStorage::unlink(std::string_view identity_id, const std::vector<Login>& logins,
                                   EpochMillis now) {
    auto disabled = write_retiring<bool>(
        [&](sqlite::Database& db) { return unlink_logins(db, identity_id, logins, now); },
        [](bool) { return std::vector<std::string>{}; });
    if (disabled.ok() && *disabled) forget(std::string(identity_id));
    return disabled;
}

Status SqliteStorage::delete_identities(const std::vector<std::string>& identity_ids) {
    auto deleted = write_retiring<std::vector<std::string>>(
        [&](sqlite::Database& db) -> Result<std::vector<std::string>> {
            std::vector<std::string> gone;
            for (const auto& identity : identity_ids)
                if (delete_identity(db, identity)) gone.push_back(identity);
            return gone;
        },
        [](const std::vector<std::string>& gone) { return gone; });
    if (!deleted.ok()) return deleted.status();
    for (const auto& identity : *deleted)
        forget(identity);
    return {};
}

Result<std::vector<ListedIdentity>> SqliteStorage::list_identities(std::string_view pool_id,
                                                                   std::string_view after, std::size_t limit,
                                                                   bool hide_disabled) const {
    return impl_->read([&](sqlite::Database& db) -> Result<std::vector<ListedIdentity>> {
        std::vector<ListedIdentity> page;
        {
            sqlite::StatementScope select(
                db.cached("SELECT identity_id, created, last_modified FROM identities WHERE pool_id = ?1 AND "
                          "identity_id > "
                          "?2 AND merged_into IS NULL AND (?3 = 0 OR disabled_at IS NULL) ORDER BY "
                          "identity_id LIMIT ?4"));
            select->bind(1, pool_id)
                .bind(2, after)
                .bind(3, static_cast<std::int64_t>(hide_disabled))
                .bind(4, static_cast<std::int64_t>(limit));
            while (select->step())
                page.push_back(ListedIdentity{
                    select->column_string(0), {}, select->column_int64(1), select->column_int64(2)});
        }
        for (auto& identity : page)
            identity.logins = logins_of(db, identity.identity_id);
        return page;
    });
}

Result<IdentityDescription> SqliteStorage::describe_identity(std::string_view identity_id) const {
    return impl_->read([&](sqlite::Database& db) -> Result<IdentityDescription> {
        const auto identity = load_identity(db, identity_id);
        if (!identity || identity->merged) return identity_not_found(identity_id);
        return IdentityDescription{identity->pool_id, logins_of(db, identity_id), identity->created,
                                   identity->last_modified};
    });
}

void SqliteStorage::forget(const std::string& identity_id) {
    impl_->pool_of_identity.erase_if(
        [&](const std::string& identity, const auto&) { return identity == identity_id; });
    impl_->credentials.erase_if([&](const auto&, const IdentityCredentials& credentials) {
        return credentials.identity_id == identity_id;
    });
}

}  // namespace synclatch::server
