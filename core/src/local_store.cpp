// LocalStore: opening (connections, pragmas, migrations), datasets, identity, wipe and the change feed.
#include "synclatch/core/local_store.hpp"

#include <chrono>
#include <utility>

#include "identity_switch.hpp"
#include "record_writer.hpp"
#include "rows.hpp"
#include "store_schema.hpp"
#include "store_state.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sqlite/migrations.hpp"

namespace synclatch::core {

namespace detail {

StoreState::StoreState(std::string path_in, const sqlite::OpenOptions& options, std::size_t max_readers,
                       std::function<EpochMillis()> clock_in)
    : path(std::move(path_in)),
      clock(std::move(clock_in)),
      writer(path, options),
      readers(path, options, max_readers) {}

}  // namespace detail

namespace {

EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const std::string kListDatasets =
    std::string("SELECT ") + detail::kDatasetColumns + " FROM datasets WHERE identity_id = ?1 ORDER BY name";

std::string load_identity(sqlite::Database& db) {
    sqlite::StatementScope select(db.cached("SELECT value FROM store_meta WHERE name = 'identity_id'"));
    return select->step() ? select->column_string(0) : std::string(kUnknownIdentityId);
}

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::open(const StoreOptions& options) {
    if (options.path.empty()) return Status{Errc::invalid_argument, "StoreOptions::path is empty"};
    if (options.path == ":memory:" || options.path.starts_with("file:")) {
        // Readers need their own connections to the same file; an in-memory database has none.
        return Status{Errc::invalid_argument, "the local store needs a file path"};
    }
    sqlite::OpenOptions open_options;
    open_options.synchronous_full = options.durability == Durability::full;
    open_options.busy_timeout = options.busy_timeout;
    try {
        auto state = std::make_shared<detail::StoreState>(options.path, open_options,
                                                          std::max<std::size_t>(options.max_readers, 1),
                                                          options.clock ? options.clock : system_now);
        sqlite::migrate(state->writer, detail::store_migrations());
        state->identity_id = load_identity(state->writer);
        return std::unique_ptr<LocalStore>(new LocalStore(std::move(state)));
    } catch (const sqlite::SqliteError& e) {
        return sqlite::to_status(e);
    }
}

LocalStore::LocalStore(std::shared_ptr<detail::StoreState> state) : state_(std::move(state)) {}

LocalStore::~LocalStore() = default;

const std::string& LocalStore::path() const noexcept {
    return state_->path;
}

Result<Dataset> LocalStore::open_or_create_dataset(std::string_view name) {
    if (Status s = validate_dataset_name(name); !s.ok()) return s;
    Status created = detail::run_write(*state_, [&](const detail::WriteScope& scope) {
        detail::RecordWriter writer(scope, name);  // creates the dataset row when missing
        return Status{};
    });
    if (!created.ok()) return created;
    return Dataset(state_, std::string(name));
}

Result<std::vector<DatasetMetadata>> LocalStore::list_datasets() const {
    const std::string identity = state_->current_identity();
    return detail::run_read(*state_, [&](sqlite::Database& db) {
        std::vector<DatasetMetadata> list;
        sqlite::StatementScope select(db.cached(kListDatasets));
        select->bind(1, identity);
        while (select->step())
            list.push_back(detail::read_metadata(*select));
        return list;
    });
}

void LocalStore::set_current_identity(std::string_view identity_id) {
    std::lock_guard lock(state_->identity_mutex);
    state_->identity_id = std::string(identity_id);
}

std::string LocalStore::identity_id() const {
    return state_->current_identity();
}

Status LocalStore::set_identity_id(std::string_view new_identity_id) {
    if (Status s = validate_identity_id(new_identity_id); !s.ok()) return s;
    return detail::run_write(
        *state_,
        [&](const detail::WriteScope& scope) {
            if (scope.identity != new_identity_id) {
                detail::switch_identity(scope.db, scope.identity, new_identity_id, scope.now);
            }
            return Status{};
        },
        [&] { set_current_identity(new_identity_id); });
}

Status LocalStore::wipe() {
    return detail::run_write(
        *state_,
        [&](const detail::WriteScope& scope) {
            scope.db.exec(
                "DELETE FROM records; DELETE FROM datasets; DELETE FROM change_feed; "
                "DELETE FROM store_meta WHERE name = 'identity_id';");
            return Status{};
        },
        [&] { set_current_identity(kUnknownIdentityId); });
}

Result<std::vector<Change>> LocalStore::changes_since(std::int64_t after_seq, std::size_t limit) const {
    return detail::run_read(*state_, [&](sqlite::Database& db) {
        std::vector<Change> changes;
        sqlite::StatementScope select(
            db.cached("SELECT seq, identity_id, dataset_name, key, value, origin, changed_at "
                      "FROM change_feed WHERE seq > ?1 ORDER BY seq LIMIT ?2"));
        select->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
        while (select->step()) {
            changes.push_back(detail::read_change(*select));
        }
        return changes;
    });
}

Status LocalStore::trim_change_feed(std::int64_t up_to_seq) {
    return detail::run_write(*state_, [&](const detail::WriteScope& scope) {
        sqlite::StatementScope trim(scope.db.cached("DELETE FROM change_feed WHERE seq <= ?1"));
        trim->bind(1, up_to_seq).run();
        return Status{};
    });
}

}  // namespace synclatch::core
