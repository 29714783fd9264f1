// PgStorage's sign-ins: logins, merges and unlinks, with Cognito Identity's rules (identity_logins.hpp says
// them for the embedded engine) kept by several servers at once. The embedded engine has one writer; here
// two servers may sign in the same login at the same moment, so:
// - a decision taken from an identity's row and logins holds only under that row's lock (FOR UPDATE,
//   several rows in id order: pg_lock_identities), and the logins read before the lock are read again
//   under it;
// - a login is linked once: (pool_id, provider, subject) is the primary key, and the loser of a race gets a
//   unique violation (Errc::conflict). The whole sign-in then runs again, and finds the winner's identity.
#include <algorithm>
#include <set>

#include "store/postgres/pg_identity_merge.hpp"
#include "store/postgres/pg_identity_rows.hpp"
#include "store/postgres/pg_storage_impl.hpp"
#include "store/postgres/pg_stream_appends.hpp"
#include "store/random_ids.hpp"
#include "store/storage_errors.hpp"

namespace synclatch::server {

namespace {

// How many times a sign-in runs when another server's sign-in links one of its logins at the same moment:
// the second run finds that link, so more than two runs are only for a flood of them on one login.
constexpr int kSignInAttempts = 4;

// The stream merges append to (kDatasetChangesStream of the record writes).
constexpr std::string_view kDatasetChanges = "dataset-changes";

Status refuse(std::string message) {
    return {Errc::unauthorized, std::move(message)};
}

// Another transaction changed the logins this one decided from: run the sign-in again.
Status logins_changed() {
    return {Errc::conflict, "the logins changed while signing in"};
}

// Runs attempt() again while it ends in a conflict (a race with another sign-in), up to kSignInAttempts.
template <class Attempt>
auto retry_on_conflict(Attempt&& attempt) -> decltype(attempt()) {
    for (int run = 1;; ++run) {
        auto outcome = attempt();
        if (outcome.ok() || outcome.status().code() != Errc::conflict) return outcome;
        if (run == kSignInAttempts)
            return Status{Errc::busy, "too many sign-ins with the same logins at once: try again"};
    }
}

// The identities other than `except` that the logins are linked to.
Result<std::set<std::string>> owners(PgConnection& tx, std::string_view pool_id,
                                     const std::vector<Login>& logins, std::string_view except = {}) {
    std::set<std::string> found;
    for (const auto& login : logins) {
        auto owner = pg_owner_of(tx, pool_id, login);
        if (!owner) return owner.status();
        if (*owner && **owner != except) found.insert(std::move(**owner));
    }
    return found;
}

// Links the logins that no identity has to identity_id (whose row the caller has locked), unless one would
// be a second user of a provider the identity already has a login of (that is someone else signing in). The
// caller found the logins linked to identity_id or to nobody; one that another sign-in linked since (seen
// here, or as a unique violation when both insert it) is Errc::conflict: the caller's decision is void.
Status link_unlinked(PgConnection& tx, std::string_view pool_id, const std::vector<Login>& logins,
                     std::string_view identity_id, EpochMillis now) {
    auto own = pg_logins_of(tx, identity_id);
    if (!own) return own.status();
    std::vector<const Login*> unlinked;
    for (const auto& login : logins) {
        auto owner = pg_owner_of(tx, pool_id, login);
        if (!owner) return owner.status();
        if (*owner == identity_id) continue;
        // Linked by another sign-in since the caller looked: what it decided from is gone.
        if (*owner) return logins_changed();
        const bool other_user = std::any_of(own->begin(), own->end(), [&](const Login& mine) {
            return mine.provider == login.provider && mine.subject != login.subject;
        });
        if (other_user) return refuse("the identity is linked to another user of " + login.provider);
        unlinked.push_back(&login);
    }
    for (const Login* login : unlinked) {
        auto linked = tx.exec(
            "INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) "
            "VALUES ($1, $2, $3, $4, $5::bigint)",
            {pool_id, login->provider, login->subject, identity_id, now});
        if (!linked) return linked.status();
    }
    return tx
        .exec("UPDATE identities SET last_modified = $2::bigint WHERE identity_id = $1", {identity_id, now})
        .status();
}

}  // namespace

Result<std::vector<MovedDataset>> PgStorage::merge(std::string_view survivor, std::string_view merged,
                                                   EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Result<std::vector<MovedDataset>> {
        std::vector<NewStreamRecord> events;
        auto moved =
            pg_merge_identity(tx, impl_->limits, impl_->deployment_id, survivor, merged, now, events);
        if (!moved) return moved;
        // Last: the append lock is held from here to the commit.
        if (auto appended = pg_append_stream_records(tx, kDatasetChanges, events, now); !appended)
            return appended.status();
        return moved;
    });
}

Result<std::optional<std::string>> PgStorage::find_for_logins(std::string_view pool_id,
                                                              const std::vector<Login>& logins) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::optional<std::string>> {
        std::optional<std::string> identity;
        for (const auto& login : logins) {
            auto owner = pg_owner_of(tx, pool_id, login);
            if (!owner) return owner.status();
            if (!*owner || (identity && *identity != **owner)) return std::optional<std::string>{};
            identity = std::move(*owner);
        }
        return identity;
    });
}

Result<SignIn> PgStorage::identity_for_logins(std::string_view pool_id, const std::vector<Login>& logins,
                                              EpochMillis now) {
    return retry_on_conflict([&]() -> Result<SignIn> {
        auto known = find_for_logins(pool_id, logins);
        if (!known) return known.status();
        if (*known) return SignIn{std::move(**known), false, std::nullopt, {}};
        return impl_->write([&](PgConnection& tx) -> Result<SignIn> {
            auto linked = owners(tx, pool_id, logins);
            if (!linked) return linked.status();
            if (linked->size() > 1) return refuse("the logins belong to different identities");
            SignIn answer;
            if (linked->empty()) {
                // Two servers may both get here for one new login: the second to link it gets a conflict,
                // rolls back its identity, and finds the first's when it runs again.
                try {
                    answer.identity_id = new_identity_id(pool_id);
                } catch (const RandomnessUnavailable& e) {
                    return Status{Errc::internal, e.what()};
                }
                answer.created = true;
                if (Status s = pg_insert_identity(tx, pool_id, answer.identity_id, now); !s) return s;
            } else {
                answer.identity_id = *linked->begin();
                auto owner = pg_load_identity(tx, answer.identity_id, true);
                if (!owner) return owner.status();
                if (!*owner || (*owner)->merged_into || (*owner)->disabled) return logins_changed();
                // Under the lock: an unlink, merge or deletion that moved these logins has committed.
                auto still = owners(tx, pool_id, logins);
                if (!still) return still.status();
                if (*still != *linked) return logins_changed();
            }
            if (Status s = link_unlinked(tx, pool_id, logins, answer.identity_id, now); !s) return s;
            return answer;
        });
    });
}

Result<SignIn> PgStorage::authorize(std::string_view identity_id, const std::vector<Login>& logins,
                                    bool proven, EpochMillis now) {
    // The common cases change nothing: a guest without logins, an identity presenting its own.
    auto unchanged = impl_->read([&](PgConnection& tx) -> Result<bool> {
        auto identity = pg_load_identity(tx, identity_id, false);
        if (!identity) return identity.status();
        if (!*identity || (*identity)->merged_into) return identity_not_found(identity_id);
        if ((*identity)->disabled) return false;  // the write below says why
        auto own = pg_logins_of(tx, identity_id);
        if (!own) return own.status();
        if (logins.empty()) return own->empty() || proven;
        return std::all_of(logins.begin(), logins.end(), [&](const Login& login) {
            return std::find(own->begin(), own->end(), login) != own->end();
        });
    });
    if (!unchanged) return unchanged.status();
    if (*unchanged) return SignIn{std::string(identity_id), false, std::nullopt, {}};

    return retry_on_conflict([&]() -> Result<SignIn> {
        return impl_->write([&](PgConnection& tx) -> Result<SignIn> {
            auto seen = pg_load_identity(tx, identity_id, false);
            if (!seen) return seen.status();
            if (!*seen || (*seen)->merged_into) return identity_not_found(identity_id);
            const std::string pool_id = (*seen)->pool_id;
            // Every identity this sign-in may touch is locked, in id order, before anything is decided;
            // pg_merge_identity locks the same two rows again, which costs nothing.
            auto others_seen = owners(tx, pool_id, logins, identity_id);
            if (!others_seen) return others_seen.status();
            std::vector<std::string> touched(others_seen->begin(), others_seen->end());
            touched.emplace_back(identity_id);
            if (Status locked = pg_lock_identities(tx, std::move(touched)); !locked) return locked;

            auto identity = pg_load_identity(tx, identity_id, false);
            if (!identity) return identity.status();
            if (!*identity || (*identity)->merged_into) return identity_not_found(identity_id);
            if ((*identity)->disabled) return identity_disabled(identity_id);
            auto own = pg_logins_of(tx, identity_id);
            if (!own) return own.status();
            const bool guest = own->empty();
            SignIn answer{std::string(identity_id), false, std::nullopt, {}};
            if (logins.empty()) {
                if (guest || proven) return answer;
                return refuse("the identity is authenticated: Logins must hold a token of one of its logins");
            }

            auto others = owners(tx, pool_id, logins, identity_id);
            if (!others) return others.status();
            if (*others != *others_seen) return logins_changed();  // linked meanwhile: not locked above
            if (others->size() > 1) return refuse("the logins belong to different identities");
            if (others->size() == 1) {
                if (!guest) return refuse("a login belongs to another identity");
                // A guest signing in as a user who has an identity already: Cognito merges the guest into it.
                const std::string survivor = *others->begin();
                std::vector<NewStreamRecord> events;
                auto moved = pg_merge_identity(tx, impl_->limits, impl_->deployment_id, survivor, identity_id,
                                               now, events);
                if (!moved) return moved.status();
                if (Status s = link_unlinked(tx, pool_id, logins, survivor, now); !s) return s;
                // Last: the append lock is held from here to the commit.
                if (auto appended = pg_append_stream_records(tx, kDatasetChanges, events, now); !appended)
                    return appended.status();
                return SignIn{survivor, false, std::string(identity_id), std::move(moved).value()};
            }
            const bool presents_own = std::any_of(logins.begin(), logins.end(), [&](const Login& login) {
                return std::find(own->begin(), own->end(), login) != own->end();
            });
            if (!guest && !proven && !presents_own)
                return refuse("none of the logins is one of the identity's");
            if (Status s = link_unlinked(tx, pool_id, logins, identity_id, now); !s) return s;
            return answer;
        });
    });
}

Result<bool> PgStorage::unlink(std::string_view identity_id, const std::vector<Login>& logins,
                               EpochMillis now) {
    return impl_->write([&](PgConnection& tx) -> Result<bool> {
        auto identity = pg_load_identity(tx, identity_id, true);
        if (!identity) return identity.status();
        if (!*identity || (*identity)->merged_into) return identity_not_found(identity_id);
        auto own = pg_logins_of(tx, identity_id);
        if (!own) return own.status();
        for (const auto& login : logins) {
            if (std::find(own->begin(), own->end(), login) == own->end())
                return Status{Errc::not_found, login.provider + " login " + login.subject +
                                                   " is not linked to identity " + std::string(identity_id)};
        }
        for (const auto& login : logins) {
            if (auto removed = tx.exec(
                    "DELETE FROM identity_logins WHERE pool_id = $1 AND provider = $2 AND subject = $3",
                    {(*identity)->pool_id, login.provider, login.subject});
                !removed)
                return removed.status();
        }
        auto left = pg_logins_of(tx, identity_id);
        if (!left) return left.status();
        const bool disable = left->empty() && !logins.empty();
        if (disable) {
            if (auto revoked = tx.exec("DELETE FROM credentials WHERE identity_id = $1", {identity_id});
                !revoked)
                return revoked.status();
        }
        auto touched = tx.exec(
            "UPDATE identities SET last_modified = $2::bigint, "
            "disabled_at = CASE WHEN $3::boolean THEN $2::bigint ELSE disabled_at END WHERE identity_id = $1",
            {identity_id, now, disable ? "true" : "false"});
        if (!touched) return touched.status();
        return disable;
    });
}

}  // namespace synclatch::server
