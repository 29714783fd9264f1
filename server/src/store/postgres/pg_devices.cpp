// PgStorage's devices registered for push sync, and their subscriptions to datasets.
#include "store/postgres/pg_storage_impl.hpp"
#include "store/random_ids.hpp"
#include "store/storage_errors.hpp"
#include "synclatch/core/validation.hpp"

namespace synclatch::server {

namespace {

// Whether the device is the identity's; FOR KEY SHARE keeps it until the caller commits (a deletion of the
// identity in flight finishes first, and then the device is gone).
Result<bool> device_belongs_to(PgConnection& tx, std::string_view device_id, std::string_view identity_id) {
    auto row = tx.exec("SELECT 1 FROM devices WHERE device_id = $1 AND identity_id = $2 FOR KEY SHARE",
                       {device_id, identity_id});
    if (!row) return row.status();
    return row->rows() > 0;
}

}  // namespace

Result<std::string> PgStorage::register_device(std::string_view identity_id, std::string_view platform,
                                               std::string_view token, EpochMillis now) {
    if (Status s = validate_device_registration(platform, token); !s.ok()) return s;
    std::string candidate;
    try {
        candidate = new_device_id();
    } catch (const RandomnessUnavailable& e) {
        return Status{Errc::internal, e.what()};
    }
    return impl_->write([&](PgConnection& tx) -> Result<std::string> {
        // Inserted only for an identity that can act (FOR KEY SHARE: not one being deleted or merged); a
        // registration of the same token at the same time waits for this one, and then finds its device.
        auto inserted = tx.exec(
            "INSERT INTO devices (device_id, identity_id, platform, token, created) "
            "SELECT $1, identity_id, $3, $4, $5::bigint FROM identities "
            "WHERE identity_id = $2 AND merged_into IS NULL FOR KEY SHARE "
            "ON CONFLICT (identity_id, platform, token) DO NOTHING RETURNING device_id",
            {candidate, identity_id, platform, token, now});
        if (!inserted) return inserted.status();
        if (inserted->rows() > 0) return candidate;
        auto existing =
            tx.exec("SELECT device_id FROM devices WHERE identity_id = $1 AND platform = $2 AND token = $3",
                    {identity_id, platform, token});
        if (!existing) return existing.status();
        if (existing->rows() == 0) return identity_not_found(identity_id);
        return std::string(existing->text(0, 0));
    });
}

Status PgStorage::subscribe(std::string_view identity_id, std::string_view dataset,
                            std::string_view device_id) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](PgConnection& tx) -> Status {
        auto owned = device_belongs_to(tx, device_id, identity_id);
        if (!owned) return owned.status();
        if (!*owned) return device_not_registered(device_id);
        return tx
            .exec(
                "INSERT INTO subscriptions (identity_id, dataset_name, device_id) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                {identity_id, dataset, device_id})
            .status();
    });
}

Status PgStorage::unsubscribe(std::string_view identity_id, std::string_view dataset,
                              std::string_view device_id) {
    if (Status s = core::validate_dataset_name(dataset); !s.ok()) return s;
    return impl_->write([&](PgConnection& tx) -> Status {
        auto owned = device_belongs_to(tx, device_id, identity_id);
        if (!owned) return owned.status();
        if (!*owned) return device_not_registered(device_id);
        return tx
            .exec("DELETE FROM subscriptions WHERE identity_id = $1 AND dataset_name = $2 AND device_id = $3",
                  {identity_id, dataset, device_id})
            .status();
    });
}

Result<std::string> PgStorage::device_owner(std::string_view device_id) const {
    return impl_->read([&](PgConnection& tx) -> Result<std::string> {
        auto row = tx.exec("SELECT identity_id FROM devices WHERE device_id = $1", {device_id});
        if (!row) return row.status();
        if (row->rows() == 0) return device_unknown(device_id);
        return std::string(row->text(0, 0));
    });
}

}  // namespace synclatch::server
