// LocalStore: the device's SQLite file of datasets and records, its change feed, and the identity the
// data belongs to. Opening it runs the schema migrations.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/dataset.hpp"
#include "synclatch/core/dataset_metadata.hpp"
#include "synclatch/core/record.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/core/status.hpp"

namespace synclatch::core {

// The identity that data written before the app obtained one belongs to.
inline constexpr std::string_view kUnknownIdentityId = "unknown";

enum class Durability {
    full,    // every commit is synced to disk: survives a crash of the process and of the machine
    normal,  // survives a crash of the process; the last commits may be lost to a power failure
};

struct StoreOptions {
    std::string path;  // the database file; created when missing (its folder must exist)
    Durability durability = Durability::full;
    std::chrono::milliseconds busy_timeout{5000};  // wait this long for another process's write lock
    std::size_t max_readers = 4;                   // read connections kept for concurrent readers
    std::function<EpochMillis()> clock;            // time source; empty: the system clock
};

// Thread-safety: every method may be called from any thread concurrently (see Dataset). Other processes
// may open the same file; they wait up to busy_timeout for each other's writes and then fail with busy.
class LocalStore {
  public:
    static Result<std::unique_ptr<LocalStore>> open(const StoreOptions& options);
    ~LocalStore();
    LocalStore(const LocalStore&) = delete;
    LocalStore& operator=(const LocalStore&) = delete;

    // The dataset of that name for the current identity, created (empty) when missing.
    Result<Dataset> open_or_create_dataset(std::string_view name);
    // Every dataset of the current identity, by name, including those waiting for remote deletion.
    Result<std::vector<DatasetMetadata>> list_datasets() const;

    // The identity the data belongs to: kUnknownIdentityId until set_identity_id.
    std::string identity_id() const;
    // Switches the store to another identity, in one transaction:
    //  - from kUnknownIdentityId: the data is re-parented to the new identity (a dataset whose name the new
    //    identity already has locally is kept as "<name>.unknown");
    //  - from a known identity: the old identity's datasets are copied to the new one with sync counts reset
    //    and every record marked modified (so they are pushed to the new identity), except keys the new
    //    identity already has, which keep their value; the old datasets themselves are kept under the new
    //    identity as merged datasets named "<name>.<old identity id>", as Cognito lists merged datasets.
    Status set_identity_id(std::string_view new_identity_id);

    // Deletes every dataset, record and change of every identity and forgets the identity (sign-out).
    // The change feed's sequence keeps counting up.
    Status wipe();

    // Changes with seq > after_seq, oldest first, at most limit of them.
    Result<std::vector<Change>> changes_since(std::int64_t after_seq, std::size_t limit) const;
    // Drops changes with seq <= up_to_seq from the feed (consumers that have read them no longer need them).
    Status trim_change_feed(std::int64_t up_to_seq);

    const std::string& path() const noexcept;

  private:
    explicit LocalStore(std::shared_ptr<detail::StoreState> state);
    void set_current_identity(std::string_view identity_id);
    std::shared_ptr<detail::StoreState> state_;
};

}  // namespace synclatch::core
