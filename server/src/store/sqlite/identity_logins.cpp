// Cognito Identity's rules for logins, on the identity_logins table.
#include "store/sqlite/identity_logins.hpp"

#include <algorithm>
#include <set>

#include "store/sqlite/identity_rows.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/sqlite/statement.hpp"

namespace synclatch::server {

namespace sqlite = core::sqlite;

namespace {

Status refuse(std::string message) {
    return Status{Errc::unauthorized, std::move(message)};
}

void link(sqlite::Database& db, std::string_view pool_id, const Login& login, std::string_view identity_id,
          EpochMillis now) {
    sqlite::StatementScope insert(
        db.cached("INSERT INTO identity_logins (pool_id, provider, subject, identity_id, linked) VALUES (?1, "
                  "?2, ?3, ?4, ?5)"));
    insert->bind(1, pool_id)
        .bind(2, login.provider)
        .bind(3, login.subject)
        .bind(4, identity_id)
        .bind(5, now)
        .run();
}

// Links the logins that no identity has to identity_id, unless one would be a second user of a provider
// the identity already has a login of (that is someone else signing in).
Status link_unlinked(sqlite::Database& db, std::string_view pool_id, const std::vector<Login>& logins,
                     std::string_view identity_id, EpochMillis now) {
    const auto own = logins_of(db, identity_id);
    for (const auto& login : logins) {
        if (owner_of(db, pool_id, login)) continue;
        const bool other_user = std::any_of(own.begin(), own.end(), [&](const Login& mine) {
            return mine.provider == login.provider && mine.subject != login.subject;
        });
        if (other_user) return refuse("the identity is linked to another user of " + login.provider);
    }
    for (const auto& login : logins) {
        if (!owner_of(db, pool_id, login)) link(db, pool_id, login, identity_id, now);
    }
    {
        sqlite::StatementScope touch(
            db.cached("UPDATE identities SET last_modified = ?2 WHERE identity_id = ?1"));
        touch->bind(1, identity_id).bind(2, now).run();
    }
    return {};
}

// The identities other than `except` that the logins are linked to.
std::set<std::string> owners(sqlite::Database& db, std::string_view pool_id, const std::vector<Login>& logins,
                             std::string_view except = {}) {
    std::set<std::string> found;
    for (const auto& login : logins) {
        if (auto owner = owner_of(db, pool_id, login); owner && *owner != except)
            found.insert(std::move(*owner));
    }
    return found;
}

}  // namespace

std::vector<Login> logins_of(sqlite::Database& db, std::string_view identity_id) {
    std::vector<Login> logins;
    sqlite::StatementScope select(
        db.cached("SELECT provider, subject FROM identity_logins WHERE identity_id = ?1 ORDER BY provider"));
    select->bind(1, identity_id);
    while (select->step())
        logins.push_back(Login{select->column_string(0), select->column_string(1)});
    return logins;
}

std::optional<std::string> owner_of(sqlite::Database& db, std::string_view pool_id, const Login& login) {
    sqlite::StatementScope select(db.cached(
        "SELECT identity_id FROM identity_logins WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3"));
    select->bind(1, pool_id).bind(2, login.provider).bind(3, login.subject);
    if (!select->step()) return std::nullopt;
    return select->column_string(0);
}

Result<SignIn> identity_for_logins(sqlite::Database& db, std::string_view pool_id,
                                   const std::vector<Login>& logins, EpochMillis now) {
    const auto linked = owners(db, pool_id, logins);
    if (linked.size() > 1) return refuse("the logins belong to different identities");
    SignIn answer;
    if (linked.empty()) {
        answer.identity_id = new_identity_id(pool_id);
        answer.created = true;
        if (Status s = insert_identity(db, pool_id, answer.identity_id, now); !s.ok()) return s;
    } else {
        answer.identity_id = *linked.begin();
    }
    if (Status s = link_unlinked(db, pool_id, logins, answer.identity_id, now); !s.ok()) return s;
    return answer;
}

Result<SignIn> authorize_identity(sqlite::Database& db, DeploymentClock& clock, const SyncLimits& limits,
                                  std::string_view deployment_id, std::string_view identity_id,
                                  const std::vector<Login>& logins, bool proven, EpochMillis now) {
    const auto identity = load_identity(db, identity_id);
    if (!identity || identity->merged) return identity_not_found(identity_id);
    if (identity->disabled) return identity_disabled(identity_id);
    const auto own = logins_of(db, identity_id);
    const bool guest = own.empty();
    SignIn answer{std::string(identity_id), false, std::nullopt, {}};
    if (logins.empty()) {
        if (guest || proven) return answer;
        return refuse("the identity is authenticated: Logins must hold a token of one of its logins");
    }

    const auto others = owners(db, identity->pool_id, logins, identity_id);
    if (others.size() > 1) return refuse("the logins belong to different identities");
    if (others.size() == 1) {
        if (!guest) return refuse("a login belongs to another identity");
        // A guest signing in as a user who has an identity already: Cognito merges the guest into it.
        const std::string survivor = *others.begin();
        auto moved = merge_identity(db, clock, limits, deployment_id, survivor, identity_id, now);
        if (!moved.ok()) return moved.status();
        if (Status s = link_unlinked(db, identity->pool_id, logins, survivor, now); !s.ok()) return s;
        return SignIn{survivor, false, std::string(identity_id), std::move(moved).value()};
    }
    const bool presents_own = std::any_of(logins.begin(), logins.end(), [&](const Login& login) {
        return std::find(own.begin(), own.end(), login) != own.end();
    });
    if (!guest && !proven && !presents_own) return refuse("none of the logins is one of the identity's");
    if (Status s = link_unlinked(db, identity->pool_id, logins, identity_id, now); !s.ok()) return s;
    return answer;
}

Result<bool> unlink_logins(sqlite::Database& db, std::string_view identity_id,
                           const std::vector<Login>& logins, EpochMillis now) {
    const auto identity = load_identity(db, identity_id);
    if (!identity || identity->merged) return identity_not_found(identity_id);
    const auto own = logins_of(db, identity_id);
    for (const auto& login : logins) {
        if (std::find(own.begin(), own.end(), login) == own.end())
            return Status{Errc::not_found, login.provider + " login " + login.subject +
                                               " is not linked to identity " + std::string(identity_id)};
    }
    for (const auto& login : logins) {
        sqlite::StatementScope remove(
            db.cached("DELETE FROM identity_logins WHERE pool_id = ?1 AND provider = ?2 AND subject = ?3"));
        remove->bind(1, identity->pool_id).bind(2, login.provider).bind(3, login.subject).run();
    }
    const bool disable = logins_of(db, identity_id).empty() && !logins.empty();
    if (disable) {
        sqlite::StatementScope forget(db.cached("DELETE FROM credentials WHERE identity_id = ?1"));
        forget->bind(1, identity_id).run();
    }
    sqlite::StatementScope touch(db.cached(
        "UPDATE identities SET last_modified = ?2, disabled_at = CASE WHEN ?3 THEN ?2 ELSE disabled_at END "
        "WHERE identity_id = ?1"));
    touch->bind(1, identity_id).bind(2, now).bind(3, static_cast<std::int64_t>(disable)).run();
    return disable;
}

}  // namespace synclatch::server
