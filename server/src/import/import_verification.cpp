// Source and target read side by side, one dataset at a time.
#include "import/import_verification.hpp"

#include <set>

#include "import/dataset_digest.hpp"

namespace synclatch::server {

namespace {

constexpr int kMaxPages = 10'000;

Result<DatasetDigest> source_digest(CognitoSource& source, const std::string& identity,
                                    const std::string& dataset) {
    std::vector<sync::WireRecord> records;
    std::int64_t sync_count = 0;
    std::string token;
    for (int page_count = 0; page_count < kMaxPages; ++page_count) {
        auto page = source.list_records(identity, dataset, token);
        if (!page.ok()) return page.status();
        sync_count = page->dataset_sync_count;
        for (auto& record : page->records)
            records.push_back(std::move(record));
        if (!page->next_token) return digest_records(std::move(records), sync_count);
        token = *page->next_token;
    }
    return Status{Errc::invalid_argument, "ListRecords: the source kept answering with NextToken"};
}

// nullopt: the target has no such dataset.
Result<std::optional<DatasetDigest>> target_digest(const Storage& store, const std::string& identity,
                                                   const std::string& dataset) {
    std::vector<sync::WireRecord> records;
    std::int64_t sync_count = 0;
    std::string token;
    for (int page_count = 0; page_count < kMaxPages; ++page_count) {
        auto page = store.list_records(identity, dataset, 0, token, 1024);
        if (!page.ok()) return page.status();
        if (!page->dataset_exists) return std::optional<DatasetDigest>();
        sync_count = page->dataset_sync_count;
        for (auto& record : page->records)
            records.push_back(std::move(record));
        if (!page->next_token) return std::optional(digest_records(std::move(records), sync_count));
        token = *page->next_token;
    }
    return Status{Errc::internal, "list_records kept answering with a next token"};
}

std::string compare(const DatasetDigest& source, const DatasetDigest& target) {
    if (source.records != target.records) {
        return std::to_string(source.records) + " records at the source, " + std::to_string(target.records) +
               " on the target";
    }
    if (source.sync_count != target.sync_count) {
        return "sync count " + std::to_string(source.sync_count) + " at the source, " +
               std::to_string(target.sync_count) + " on the target";
    }
    if (source.sha256 != target.sha256)
        return "the records differ (checksums " + source.sha256 + " and " + target.sha256 + ")";
    return "";
}

}  // namespace

Result<VerificationReport> verify_import(CognitoSource& source, const Storage& store,
                                         const VerificationOptions& options) {
    const std::string& pool = source.options().pool_id;
    const auto stopped = [&] { return options.stop_requested && options.stop_requested(); };
    VerificationReport report;
    std::string token;
    for (;;) {
        if (stopped()) return report;
        auto page = source.list_identities(token);
        if (!page.ok()) return page.status();
        for (const auto& identity : page->identities) {
            if (stopped()) return report;
            ++report.identities;
            const std::string& id = identity.identity_id;
            auto target_pool = store.pool_of(id);
            if (!target_pool.ok() || *target_pool != pool) {
                report.differences.add({id, "", "the identity is missing on the target"});
                continue;
            }
            auto datasets = source.list_datasets(id);
            if (!datasets.ok()) return datasets.status();
            std::set<std::string> at_source;
            for (const auto& dataset : *datasets) {
                ++report.datasets;
                at_source.insert(dataset.dataset_name);
                auto from = source_digest(source, id, dataset.dataset_name);
                if (!from.ok()) return from.status();
                report.records += from->records;
                auto to = target_digest(store, id, dataset.dataset_name);
                if (!to.ok()) return to.status();
                if (!*to) {
                    report.differences.add(
                        {id, dataset.dataset_name, "the dataset is missing on the target"});
                    continue;
                }
                if (auto what = compare(*from, **to); !what.empty())
                    report.differences.add({id, dataset.dataset_name, std::move(what)});
            }
            // Datasets the import copied that the source no longer has.
            std::string datasets_token;
            for (;;) {
                auto target_page = store.list_datasets(id, datasets_token, 1024);
                if (!target_page.ok()) return target_page.status();
                for (const auto& dataset : target_page->datasets) {
                    if (at_source.contains(dataset.dataset_name)) continue;
                    auto mark = store.import_mark(id, dataset.dataset_name);
                    if (!mark.ok()) return mark.status();
                    if (*mark && (*mark)->exists) {
                        report.differences.add(
                            {id, dataset.dataset_name, "deleted at the source, still on the target"});
                    }
                }
                if (!target_page->next_token) break;
                datasets_token = *target_page->next_token;
            }
            if (options.progress) options.progress(report);
        }
        if (!page->next_token) break;
        token = *page->next_token;
    }
    report.complete = true;
    return report;
}

}  // namespace synclatch::server
