// The import's walk over the source pool: pool settings, pages of identities, their datasets.
#include "import/cognito_import.hpp"

#include <algorithm>
#include <set>

#include "api/pool_configuration.hpp"
#include "auth/open_id_tokens.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

sync::EpochMillis system_now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr int kMaxDatasetReads = 5;  // a dataset written while it is read is read again
// What one dataset may hold when read, removed records included: past any Cognito dataset (1 MB of keys
// and values, 1,024 live records), so that a source cannot make the import hold more than this at once.
constexpr std::size_t kMaxDatasetRecords = 64 * 1024;
constexpr std::size_t kMaxDatasetBytes = 16 * 1024 * 1024;

class Importer {
  public:
    Importer(CognitoSource& source, Storage& store, const ImportOptions& options)
        : source_(source), store_(store), options_(options), pool_(source.options().pool_id) {}

    Result<ImportReport> run();

  private:
    sync::EpochMillis now() const { return options_.clock ? options_.clock() : system_now(); }
    bool stopped() const { return options_.stop_requested && options_.stop_requested(); }
    void refuse(std::string what) { report_.refused.add(std::move(what)); }

    Status import_pool_settings();
    Status import_identity(const SourceIdentity& identity);
    Status import_dataset(const std::string& identity, const sync::DatasetDescription& dataset);
    Status remove_gone_datasets(const std::string& identity, const std::set<std::string>& at_source);
    // Every record of the dataset read in one consistent state (every page with one DatasetSyncCount).
    Result<ImportedDataset> read_dataset(const std::string& identity,
                                         const sync::DatasetDescription& dataset);

    CognitoSource& source_;
    Storage& store_;
    const ImportOptions& options_;
    const std::string pool_;
    std::optional<std::string> developer_provider_;
    ImportReport report_;
    // For the report's notes, which show at most CappedList's kMaxShown (a source may name any number).
    std::set<std::string> unlinked_providers_seen_;
};

Result<ImportReport> Importer::run() {
    if (Status s = import_pool_settings(); !s.ok()) return s;
    auto pool_bytes = source_.data_storage();
    if (!pool_bytes.ok()) return pool_bytes.status();
    report_.totals.pool_bytes = *pool_bytes;

    std::optional<ImportRun> run;
    if (!options_.dry_run && !options_.restart) {
        auto saved = store_.import_run(pool_);
        if (!saved.ok()) return saved.status();
        run = *saved;
    }
    report_.resumed = run.has_value();
    if (!run) run = ImportRun{now(), "", 0};
    report_.identities_before = run->identities_done;
    std::string token = run->next_token;

    for (;;) {
        if (stopped()) return report_;
        auto page = source_.list_identities(token);
        if (!page.ok() && !token.empty() && page.status().code() == Errc::invalid_argument) {
            report_.notes.add("the source refused the position saved by the last run (" +
                              page.status().message() + "): started from the first identity again");
            token.clear();
            report_.resumed = false;
            report_.identities_before = 0;
            continue;
        }
        if (!page.ok()) return page.status();
        for (const auto& identity : page->identities) {
            if (stopped()) return report_;  // this page is done again on the next run
            if (Status s = import_identity(identity); !s.ok()) return s;
            ++report_.totals.identities;
            if (options_.progress) options_.progress(report_.totals);
        }
        if (!page->next_token) break;
        token = *page->next_token;
        if (!options_.dry_run) {
            const std::int64_t done = report_.identities_before + report_.totals.identities;
            if (Status s = store_.save_import_run(pool_, ImportRun{run->started, token, done}); !s.ok())
                return s;
        }
    }
    if (!options_.dry_run) {
        if (Status s = store_.save_import_run(pool_, std::nullopt); !s.ok()) return s;
    }
    report_.finished = true;
    for (const auto& provider : unlinked_providers_seen_) {
        report_.notes.add(
            "identities with logins of " + provider +
            " were imported without them: the source names the provider, not the user. They sign in again "
            "with a new identity, unless the server links the first valid token of " +
            provider + " presented for such an identity (docs/migrating-from-cognito.md, \"Logins\")");
    }
    return report_;
}

Status Importer::import_pool_settings() {
    auto pool = source_.describe_identity_pool();
    if (!pool.ok()) return pool.status();
    developer_provider_ = pool->developer_provider;
    if (!options_.dry_run && !store_.pool_exists(pool_)) {
        if (Status s = store_.ensure_pool(pool_, now()); !s.ok()) return s;
        report_.notes.add("made pool " + pool_ + " on the target");
    }
    {
        std::string sign_in = "sign-in settings of the source pool \"" + pool->name +
                              "\" to give the target (" +
                              "--identity-pools or UpdateIdentityPool): AllowUnauthenticatedIdentities " +
                              (pool->allow_unauthenticated ? "true" : "false");
        if (developer_provider_) sign_in += ", DeveloperProviderName " + *developer_provider_;
        for (const auto& provider : pool->login_providers)
            sign_in += ", login provider " + provider;
        report_.notes.add(std::move(sign_in));
    }

    auto configuration = source_.pool_configuration();
    if (!configuration.ok()) return configuration.status();
    json sections = json::object();
    for (const char* section : {"PushSync", "CognitoStreams"})
        if (configuration->contains(section)) sections[section] = (*configuration)[section];
    if (!sections.empty() && !options_.dry_run) {
        auto stored =
            store_.update_pool_configuration(pool_, [&](std::string_view text) -> Result<std::string> {
                auto merged = merge_pool_configuration(sync::parse_json_text(text), sections);
                if (!merged.ok()) return merged.status();
                return merged->dump();
            });
        if (!stored.ok()) {
            return Status{stored.status().code(), "GetIdentityPoolConfiguration's answer cannot be stored: " +
                                                      stored.status().message()};
        }
    }

    auto events = source_.cognito_events();
    if (!events.ok()) return events.status();
    if (const auto list = events->find("Events"); list != events->end() && list->is_object()) {
        for (const auto& [name, setting] : list->items()) {
            report_.notes.add("Cognito Event " + name + " (" +
                              (setting.is_string() ? setting.get<std::string>() : setting.dump()) +
                              ") was not imported: a Lambda function cannot run here. Serve the same "
                              "logic as a webhook and "
                              "set it with SetCognitoEvents (docs/server.md, \"SyncTrigger\")");
        }
    }
    return {};
}

Status Importer::import_identity(const SourceIdentity& identity) {
    ImportedIdentity imported;
    imported.identity_id = identity.identity_id;
    imported.pool_id = pool_;
    imported.created = identity.created;
    imported.last_modified = identity.last_modified;
    for (const auto& provider : identity.login_providers) {
        if (developer_provider_ && provider == *developer_provider_) {
            auto users = source_.developer_user_identifiers(identity.identity_id);
            if (!users.ok()) return users.status();
            for (auto& user : *users)
                imported.logins.push_back(Login{provider, std::move(user)});
        } else if (provider != OpenIdTokens::kLoginProvider) {
            imported.unlinked_providers.push_back(provider);
            if (unlinked_providers_seen_.size() < CappedList<std::string>::kMaxShown)
                unlinked_providers_seen_.insert(provider);
        }
    }
    if (!options_.dry_run) {
        if (Status s = store_.import_identity(imported); !s.ok()) {
            if (s.code() != Errc::conflict && s.code() != Errc::invalid_argument) return s;
            refuse("identity " + identity.identity_id + ": " + s.message());
            return {};
        }
    }

    auto datasets = source_.list_datasets(identity.identity_id);
    if (!datasets.ok()) return datasets.status();
    std::set<std::string> at_source;
    for (const auto& dataset : *datasets) {
        if (stopped()) return {};
        at_source.insert(dataset.dataset_name);
        ++report_.totals.datasets;
        report_.totals.bytes += dataset.data_storage;
        if (Status s = import_dataset(identity.identity_id, dataset); !s.ok()) return s;
    }
    return remove_gone_datasets(identity.identity_id, at_source);
}

Status Importer::import_dataset(const std::string& identity, const sync::DatasetDescription& dataset) {
    auto mark = store_.import_mark(identity, dataset.dataset_name);
    if (!mark.ok()) return mark.status();
    if (*mark && (*mark)->exists && (*mark)->source_last_modified == dataset.last_modified_date) {
        ++report_.totals.datasets_unchanged;
        return {};
    }
    if (options_.dry_run) {
        ++report_.totals.datasets_copied;
        report_.totals.records += dataset.num_records;
        return {};
    }
    auto read = read_dataset(identity, dataset);
    if (!read.ok()) {
        if (read.status().code() != Errc::conflict && read.status().code() != Errc::limit_exceeded)
            return read.status();
        refuse("dataset " + dataset.dataset_name + " of " + identity + ": " + read.status().message());
        return {};
    }
    const auto records = static_cast<std::int64_t>(read->records.size());
    if (Status s = store_.import_dataset(*read); !s.ok()) {
        if (s.code() != Errc::conflict && s.code() != Errc::limit_exceeded &&
            s.code() != Errc::invalid_argument)
            return s;
        refuse("dataset " + dataset.dataset_name + " of " + identity + ": " + s.message());
        return {};
    }
    ++report_.totals.datasets_copied;
    report_.totals.records += records;
    return {};
}

Result<ImportedDataset> Importer::read_dataset(const std::string& identity,
                                               const sync::DatasetDescription& dataset) {
    for (int attempt = 0; attempt < kMaxDatasetReads; ++attempt) {
        ImportedDataset read;
        read.identity_id = identity;
        read.name = dataset.dataset_name;
        read.creation_date = dataset.creation_date;
        read.last_modified_date = dataset.last_modified_date;
        read.last_modified_by = dataset.last_modified_by;
        std::optional<std::int64_t> sync_count;
        bool consistent = true;
        std::string token;
        std::size_t bytes = 0;
        for (;;) {
            auto page = source_.list_records(identity, dataset.dataset_name, token);
            if (!page.ok()) return page.status();
            if (sync_count && *sync_count != page->dataset_sync_count) consistent = false;
            sync_count = page->dataset_sync_count;
            for (auto& record : page->records) {
                bytes +=
                    record.key.size() + record.value.value_or("").size() + record.last_modified_by.size();
                read.records.push_back(std::move(record));
            }
            if (read.records.size() > kMaxDatasetRecords || bytes > kMaxDatasetBytes) {
                return Status{Errc::limit_exceeded,
                              "the source answers more records than a Cognito dataset holds (" +
                                  std::to_string(read.records.size()) + " records, " + std::to_string(bytes) +
                                  " bytes so far)"};
            }
            if (!page->next_token) break;
            token = *page->next_token;
        }
        if (!consistent) continue;  // written between two pages: read it again
        read.sync_count = sync_count.value_or(0);
        for (const auto& record : read.records)
            if (record.sync_count > read.sync_count) consistent = false;
        if (!consistent) continue;
        std::vector<std::string> keys;
        keys.reserve(read.records.size());
        for (const auto& record : read.records)
            keys.push_back(record.key);
        std::sort(keys.begin(), keys.end());
        if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) continue;  // moved between pages
        // The dates are ListDatasets': the mark keeps them, and the next run compares ListDatasets' with
        // them. A write after ListDatasets answered makes the source's date move past them: copied again
        // then.
        return read;
    }
    return Status{Errc::conflict, "it kept changing while it was read (" + std::to_string(kMaxDatasetReads) +
                                      " tries): the next run copies it"};
}

Status Importer::remove_gone_datasets(const std::string& identity, const std::set<std::string>& at_source) {
    std::string token;
    std::vector<std::string> gone;
    for (;;) {
        auto page = store_.list_datasets(identity, token, 1024);
        if (!page.ok()) {
            if (page.status().code() == Errc::not_found) return {};  // dry run: not imported yet
            return page.status();
        }
        for (const auto& dataset : page->datasets) {
            if (!at_source.contains(dataset.dataset_name)) gone.push_back(dataset.dataset_name);
        }
        if (!page->next_token) break;
        token = *page->next_token;
    }
    for (const auto& name : gone) {
        auto mark = store_.import_mark(identity, name);
        if (!mark.ok()) return mark.status();
        if (!*mark || !(*mark)->exists) continue;  // made on the target: not the import's to remove
        ++report_.totals.datasets_removed;
        if (options_.dry_run) continue;
        if (Status s = store_.remove_imported_dataset(identity, name, now()); !s.ok()) {
            if (s.code() != Errc::conflict) return s;
            --report_.totals.datasets_removed;
            refuse("dataset " + name + " of " + identity + " (deleted at the source): " + s.message());
        }
    }
    return {};
}

}  // namespace

Result<ImportReport> import_pool(CognitoSource& source, Storage& store, const ImportOptions& options) {
    return Importer(source, store, options).run();
}

}  // namespace synclatch::server
