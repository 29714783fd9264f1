// Imports from Cognito (import_storage.hpp), one rule per test, on the engine this binary is built for
// (support/test_storage.hpp: SQLite in server_tests, PostgreSQL in postgres_tests): identities as the source
// had them, datasets replaced whole while untouched on the target and never over the target's own writes,
// quotas, unlinked providers, resumable runs, and what deletion and merges take along.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/record_versions.hpp"
#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using sync::PatchOp;
using sync::RecordPatch;
using sync::WireRecord;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr std::string_view kOtherPool = "us-east-1:11111111-0000-0000-0000-000000000000";
constexpr std::string_view kDeveloper = "login.example.app";
const std::string kAlice = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001";
const std::string kBob = "us-east-1:bbbbbbbb-0000-4000-8000-000000000002";

constexpr EpochMillis kCreated = 1'600'000'000'000;
constexpr EpochMillis kModified = 1'650'000'000'000;

WireRecord record(std::string key, std::optional<std::string> value, std::int64_t sync_count) {
    // Dates of their own per record, so that a test sees them kept as given.
    return WireRecord{std::move(key),         std::move(value), sync_count,
                      kModified + sync_count, "source-device",  kModified + sync_count - 7};
}

RecordPatch put(std::string key, std::string value, std::int64_t sync_count) {
    return RecordPatch{PatchOp::replace, std::move(key), std::move(value), sync_count, std::nullopt};
}

struct ImportFixture {
    ImportFixture() { reopen(); }

    void reopen(const SyncLimits& limits = {}) {
        store.reset();
        store = site.open_or_fail(limits);
        REQUIRE(store->ensure_pool(kPool, now).ok());
    }

    static ImportedIdentity identity(const std::string& id, std::vector<Login> logins = {},
                                     std::vector<std::string> unlinked = {}) {
        return ImportedIdentity{id,        std::string(kPool), kCreated,
                                kModified, std::move(logins),  std::move(unlinked)};
    }

    void import(const ImportedIdentity& imported) {
        Status s = store->import_identity(imported);
        INFO(s.to_string());
        REQUIRE(s.ok());
    }

    // "settings" of kAlice at sync count 5: three live records and one removed (a tombstone).
    static ImportedDataset settings(std::int64_t sync_count = 5) {
        return ImportedDataset{kAlice,
                               "settings",
                               kCreated + 1,
                               kModified + 100,
                               "source-device",
                               sync_count,
                               {record("theme", "dark", 1), record("gone", std::nullopt, 2),
                                record("lang", "en", 3), record("volume", "7", sync_count)}};
    }

    void import(const ImportedDataset& dataset) {
        Status s = store->import_dataset(dataset);
        INFO(s.to_string());
        REQUIRE(s.ok());
    }

    sync::ListRecordsResult list(const std::string& identity, const std::string& dataset,
                                 std::int64_t last_sync_count = 0) {
        auto page = store->list_records(identity, dataset, last_sync_count, "", 0);
        INFO(page.status().to_string());
        REQUIRE(page.ok());
        return std::move(page).value();
    }

    std::optional<ImportMark> mark(const std::string& identity, const std::string& dataset) {
        auto found = store->import_mark(identity, dataset);
        INFO(found.status().to_string());
        REQUIRE(found.ok());
        return *found;
    }

    std::size_t events() { return store->read_stream("dataset-changes", 0, 1000).value().size(); }

    test::TestStorageSite site;
    EpochMillis now = 1'700'000'000'000;
    std::unique_ptr<Storage> store;
};

// The records as ListRecords orders them: by sync count, then key.
std::vector<WireRecord> listed_order(std::vector<WireRecord> records) {
    std::sort(records.begin(), records.end(), [](const WireRecord& a, const WireRecord& b) {
        return std::tie(a.sync_count, a.key) < std::tie(b.sync_count, b.key);
    });
    return records;
}

}  // namespace

TEST_CASE_METHOD(ImportFixture, "Import storage: an imported identity is found, with its dates and logins",
                 "[server][store][import]") {
    const Login login{std::string(kDeveloper), "alice"};
    import(identity(kAlice, {login}));

    CHECK(store->pool_of(kAlice).value() == kPool);
    const auto described = store->describe_identity(kAlice).value();
    CHECK(described.pool_id == kPool);
    CHECK(described.created == kCreated);
    CHECK(described.last_modified == kModified);
    CHECK(described.logins == std::vector<Login>{login});
    const auto listed = store->list_identities(kPool, "", 10, false).value();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].identity_id == kAlice);
    CHECK(listed[0].created == kCreated);
    CHECK(listed[0].last_modified == kModified);
    CHECK(listed[0].logins == std::vector<Login>{login});
}

TEST_CASE_METHOD(ImportFixture, "Import storage: an imported developer login leads to its identity",
                 "[server][store][import]") {
    const Login login{std::string(kDeveloper), "alice"};
    import(identity(kAlice, {login}));
    CHECK(store->find_for_logins(kPool, {login}).value() == kAlice);
    const auto signed_in = store->identity_for_logins(kPool, {login}, ++now).value();
    CHECK(signed_in.identity_id == kAlice);
    CHECK_FALSE(signed_in.created);
    CHECK(store->list_identities(kPool, "", 10, false).value().size() == 1);
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: importing an identity again adds what is new and nothing twice",
                 "[server][store][import]") {
    const Login first{std::string(kDeveloper), "alice"};
    const Login second{std::string(kDeveloper), "alice@example.com"};
    import(identity(kAlice, {first}, {"accounts.google.com"}));
    import(identity(kAlice, {first}, {"accounts.google.com"}));

    auto older = identity(kAlice, {first, second}, {"accounts.google.com", "graph.facebook.com"});
    older.last_modified = kModified - 1;  // the later date stays
    import(older);
    auto described = store->describe_identity(kAlice).value();
    CHECK(described.last_modified == kModified);
    CHECK(described.created == kCreated);
    CHECK(described.logins == std::vector<Login>{first, second});
    CHECK(store->unlinked_providers(kAlice).value() ==
          std::vector<std::string>{"accounts.google.com", "graph.facebook.com"});

    auto newer = identity(kAlice, {first});  // nothing is unlinked by an import
    newer.last_modified = kModified + 1;
    import(newer);
    described = store->describe_identity(kAlice).value();
    CHECK(described.last_modified == kModified + 1);
    CHECK(described.logins == std::vector<Login>{first, second});
    CHECK(store->unlinked_providers(kAlice).value().size() == 2);
    CHECK(store->list_identities(kPool, "", 10, false).value().size() == 1);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: malformed identities and unknown pools are refused",
                 "[server][store][import]") {
    CHECK(store->import_identity(identity("not an id")).code() == Errc::invalid_argument);
    auto other_region = identity("eu-west-1:aaaaaaaa-0000-4000-8000-000000000001");
    CHECK(store->import_identity(other_region).code() == Errc::invalid_argument);
    const Login login{std::string(kDeveloper), "alice"};
    CHECK(store->import_identity(identity(kAlice, {login, login})).code() == Errc::invalid_argument);
    CHECK(store->import_identity(identity(kAlice, {Login{std::string(kDeveloper), ""}})).code() ==
          Errc::invalid_argument);
    // More logins than any Cognito identity has, or names past the bound, are refused.
    std::vector<std::string> many(ImportedIdentity::kMaxLogins + 1);
    for (std::size_t i = 0; i < many.size(); ++i)
        many[i] = "provider-" + std::to_string(i) + ".example.com";
    CHECK(store->import_identity(identity(kAlice, {}, many)).code() == Errc::invalid_argument);
    const std::string long_name(ImportedIdentity::kMaxNameBytes + 1, 'p');
    CHECK(store->import_identity(identity(kAlice, {}, {long_name})).code() == Errc::invalid_argument);
    CHECK(store->import_identity(identity(kAlice, {Login{std::string(kDeveloper), long_name}})).code() ==
          Errc::invalid_argument);
    auto unknown_pool = identity(kAlice);
    unknown_pool.pool_id = "us-east-1:99999999-0000-0000-0000-000000000000";
    CHECK(store->import_identity(unknown_pool).code() == Errc::not_found);
    CHECK(store->pool_of(kAlice).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: an identity of another pool is a conflict",
                 "[server][store][import]") {
    REQUIRE(store->ensure_pool(kOtherPool, now).ok());
    import(identity(kAlice));
    auto elsewhere = identity(kAlice);
    elsewhere.pool_id = std::string(kOtherPool);
    CHECK(store->import_identity(elsewhere).code() == Errc::conflict);
    CHECK(store->pool_of(kAlice).value() == kPool);
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: a login linked to another identity is a conflict that writes nothing",
                 "[server][store][import]") {
    const Login taken{std::string(kDeveloper), "bob"};
    const std::string owner = store->identity_for_logins(kPool, {taken}, now).value().identity_id;
    const Login mine{std::string(kDeveloper), "alice"};
    CHECK(store->import_identity(identity(kAlice, {mine, taken}, {"accounts.google.com"})).code() ==
          Errc::conflict);
    CHECK(store->pool_of(kAlice).status().code() == Errc::not_found);
    CHECK(store->find_for_logins(kPool, {mine}).value() == std::nullopt);
    CHECK(store->find_for_logins(kPool, {taken}).value() == owner);
    CHECK(store->unlinked_providers(kAlice).value().empty());
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a merged or disabled identity is a conflict",
                 "[server][store][import]") {
    const Login login{std::string(kDeveloper), "bob"};
    import(identity(kAlice));
    import(identity(kBob, {login}));
    IdentityStorage& identities = *store;
    REQUIRE(identities.merge(kBob, kAlice, ++now).ok());
    CHECK(store->import_identity(identity(kAlice)).code() == Errc::conflict);
    CHECK(store->pool_of(kAlice).status().code() == Errc::not_found);

    REQUIRE(identities.unlink(kBob, {login}, ++now).value());  // its last login: disabled
    CHECK(store->import_identity(identity(kBob, {login})).code() == Errc::conflict);
    CHECK(store->find_for_logins(kPool, {login}).value() == std::nullopt);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: an imported dataset lists exactly as given, tombstones too",
                 "[server][store][import]") {
    import(identity(kAlice));
    const auto dataset = settings();
    import(dataset);

    const auto page = list(kAlice, "settings");
    CHECK(page.dataset_exists);
    CHECK(page.dataset_sync_count == 5);
    CHECK(page.records == listed_order(dataset.records));
    CHECK(page.last_modified_by == "source-device");
    CHECK(list(kAlice, "settings", 2).records.size() == 2);  // lang at 3, volume at 5

    const auto described = store->describe_dataset(kAlice, "settings").value();
    CHECK(described.creation_date == dataset.creation_date);
    CHECK(described.last_modified_date == dataset.last_modified_date);
    CHECK(described.last_modified_by == "source-device");
    CHECK(described.num_records == 3);
    CHECK(described.data_storage == static_cast<std::int64_t>(std::string("themedarklangenvolume7").size()));
    CHECK(mark(kAlice, "settings") == ImportMark{dataset.last_modified_date, 5, true});
    CHECK(store->describe_identity_usage(kAlice)->dataset_count == 1);
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: an import writes this deployment's versions and no change event",
                 "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    CHECK(events() == 0);
    const auto theme = store->record_version(kAlice, "settings", "theme").value();
    const auto volume = store->record_version(kAlice, "settings", "volume").value();
    REQUIRE(theme);
    REQUIRE(volume);
    CHECK(theme->origin == store->deployment_id());
    CHECK(volume->origin == store->deployment_id());
    CHECK(theme->version > 0);
    CHECK(volume->version != theme->version);
    const auto gone = store->record_version(kAlice, "settings", "gone").value();
    REQUIRE(gone);
    CHECK_FALSE(gone->value);

    // A client's write after it is a newer version of this deployment.
    REQUIRE(store->update_records(kAlice, "settings", "device", {put("theme", "light", 1)}, ++now).ok());
    const auto rewritten = store->record_version(kAlice, "settings", "theme").value();
    CHECK(rewritten->version > std::max(theme->version, volume->version));
    CHECK(events() == 1);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a client's write after an import continues from its counts",
                 "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    // lang was imported at 3: a patch that has not seen it is a conflict.
    CHECK(
        store->update_records(kAlice, "settings", "device", {put("lang", "fr", 2)}, ++now).status().code() ==
        Errc::conflict);
    const auto written =
        store->update_records(kAlice, "settings", "device", {put("lang", "fr", 3)}, ++now).value().records;
    REQUIRE(written.size() == 1);
    CHECK(written[0].sync_count == 6);
    const auto page = list(kAlice, "settings", 5);
    CHECK(page.dataset_sync_count == 6);
    REQUIRE(page.records.size() == 1);
    CHECK(page.records[0].key == "lang");
    CHECK(page.records[0].value == "fr");
    CHECK(store->describe_dataset(kAlice, "settings")->num_records == 3);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: importing over an untouched dataset replaces it whole",
                 "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    ImportedDataset later{kAlice,
                          "settings",
                          kCreated + 1,
                          kModified + 200,
                          "other-device",
                          9,
                          {record("theme", "light", 8), record("font", "mono", 9)}};
    import(later);
    const auto page = list(kAlice, "settings");
    CHECK(page.dataset_sync_count == 9);
    CHECK(page.records == listed_order(later.records));  // gone, lang and volume went
    const auto described = store->describe_dataset(kAlice, "settings").value();
    CHECK(described.last_modified_date == kModified + 200);
    CHECK(described.last_modified_by == "other-device");
    CHECK(described.num_records == 2);
    CHECK(described.data_storage == static_cast<std::int64_t>(std::string("themelightfontmono").size()));
    CHECK(mark(kAlice, "settings") == ImportMark{kModified + 200, 9, true});
    CHECK(store->record_version(kAlice, "settings", "lang").value() == std::nullopt);
    CHECK(events() == 0);
}

TEST_CASE_METHOD(
    ImportFixture,
    "Import storage: a dataset written on the target since its import is a conflict, left as it is",
    "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    REQUIRE(store->update_records(kAlice, "settings", "device", {put("theme", "light", 1)}, ++now).ok());
    const auto before = list(kAlice, "settings");

    const Status refused = store->import_dataset(settings(7));
    CHECK(refused.code() == Errc::conflict);
    CHECK(refused.message().find("changed on the target since it was imported") != std::string::npos);
    CHECK(list(kAlice, "settings").records == before.records);
    CHECK(list(kAlice, "settings").dataset_sync_count == 6);
    CHECK(mark(kAlice, "settings") == ImportMark{kModified + 100, 5, true});
    CHECK(store->remove_imported_dataset(kAlice, "settings", ++now).code() == Errc::conflict);
    CHECK(store->describe_dataset(kAlice, "settings").ok());
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: a dataset deleted on the target since its import is a conflict",
                 "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    REQUIRE(store->delete_dataset(kAlice, "settings", ++now).ok());
    CHECK(store->import_dataset(settings(7)).code() == Errc::conflict);
    CHECK_FALSE(list(kAlice, "settings").dataset_exists);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a dataset the target had before the import is a conflict",
                 "[server][store][import]") {
    import(identity(kAlice));
    REQUIRE(store->update_records(kAlice, "settings", "device", {put("theme", "light", 0)}, ++now).ok());
    const Status refused = store->import_dataset(settings());
    CHECK(refused.code() == Errc::conflict);
    CHECK(refused.message().find("before the import") != std::string::npos);
    CHECK(list(kAlice, "settings").dataset_sync_count == 1);
    CHECK(mark(kAlice, "settings") == std::nullopt);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a dataset gone at the source is deleted, its count kept",
                 "[server][store][import]") {
    import(identity(kAlice));
    import(settings());
    REQUIRE(store->remove_imported_dataset(kAlice, "settings", ++now).ok());
    CHECK(store->describe_dataset(kAlice, "settings").status().code() == Errc::not_found);
    auto page = list(kAlice, "settings");
    CHECK_FALSE(page.dataset_exists);
    CHECK(page.dataset_sync_count == 5);
    CHECK(page.records.empty());
    CHECK(mark(kAlice, "settings") == ImportMark{0, 5, false});
    CHECK(store->describe_identity_usage(kAlice)->dataset_count == 0);
    CHECK(events() == 0);

    // Again: nothing left to do. A dataset the target never had: nothing to do, no mark.
    REQUIRE(store->remove_imported_dataset(kAlice, "settings", ++now).ok());
    CHECK(mark(kAlice, "settings") == ImportMark{0, 5, false});
    REQUIRE(store->remove_imported_dataset(kAlice, "never", ++now).ok());
    CHECK(mark(kAlice, "never") == std::nullopt);

    // Made again at the source: imported again over the removal.
    import(settings(8));
    CHECK(list(kAlice, "settings").dataset_sync_count == 8);
    CHECK(store->describe_dataset(kAlice, "settings")->num_records == 3);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: an import that breaks a quota is refused and writes nothing",
                 "[server][store][import]") {
    SyncLimits small;
    small.max_records_per_dataset = 3;
    small.max_bytes_per_dataset = 30;
    small.max_datasets_per_identity = 1;
    reopen(small);
    import(identity(kAlice));

    auto too_many = settings();
    too_many.records.push_back(record("extra", "1", 4));  // 4 live records
    CHECK(store->import_dataset(too_many).code() == Errc::limit_exceeded);
    auto too_big = settings();
    too_big.records[0].value = std::string(40, 'x');
    CHECK(store->import_dataset(too_big).code() == Errc::limit_exceeded);
    CHECK_FALSE(list(kAlice, "settings").dataset_exists);
    CHECK(list(kAlice, "settings").dataset_sync_count == 0);
    CHECK(mark(kAlice, "settings") == std::nullopt);

    import(settings());  // 3 live records; the tombstone does not count
    auto second = settings();
    second.name = "second";
    CHECK(store->import_dataset(second).code() == Errc::limit_exceeded);
    CHECK(mark(kAlice, "second") == std::nullopt);
    CHECK(store->describe_identity_usage(kAlice)->dataset_count == 1);
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: malformed datasets are invalid, unknown identities not found",
                 "[server][store][import]") {
    import(identity(kAlice));
    auto twice = settings();
    twice.records.push_back(record("theme", "light", 4));
    CHECK(store->import_dataset(twice).code() == Errc::invalid_argument);
    auto ahead = settings();
    ahead.records.push_back(record("later", "1", 6));  // past the dataset's count
    CHECK(store->import_dataset(ahead).code() == Errc::invalid_argument);
    auto negative = settings();
    negative.sync_count = -1;
    negative.records.clear();
    CHECK(store->import_dataset(negative).code() == Errc::invalid_argument);
    auto bad_name = settings();
    bad_name.name = "bad name";
    CHECK(store->import_dataset(bad_name).code() == Errc::invalid_argument);
    auto nobody = settings();
    nobody.identity_id = kBob;
    CHECK(store->import_dataset(nobody).code() == Errc::not_found);
    CHECK_FALSE(list(kAlice, "settings").dataset_exists);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a token of an unlinked provider links once",
                 "[server][store][import]") {
    import(identity(kAlice, {}, {"graph.facebook.com", "accounts.google.com"}));
    CHECK(store->unlinked_providers(kAlice).value() ==
          std::vector<std::string>{"accounts.google.com", "graph.facebook.com"});

    const Login google{"accounts.google.com", "alice-sub"};
    CHECK(store->link_imported_login(kAlice, google, ++now).value());
    CHECK(store->unlinked_providers(kAlice).value() == std::vector<std::string>{"graph.facebook.com"});
    CHECK(store->logins(kAlice).value() == std::vector<Login>{google});
    CHECK(store->find_for_logins(kPool, {google}).value() == kAlice);
    CHECK(store->describe_identity(kAlice)->last_modified == now);

    // A second user of the provider is not linked; nor is a provider that was never unlinked.
    CHECK_FALSE(store->link_imported_login(kAlice, Login{"accounts.google.com", "mallory"}, ++now).value());
    CHECK_FALSE(store->link_imported_login(kAlice, Login{"appleid.apple.com", "alice"}, ++now).value());
    CHECK(store->logins(kAlice).value() == std::vector<Login>{google});

    // A catch-up run names google again: linked now, it is unlinked no more.
    import(identity(kAlice, {}, {"graph.facebook.com", "accounts.google.com"}));
    CHECK(store->unlinked_providers(kAlice).value() == std::vector<std::string>{"graph.facebook.com"});
}

TEST_CASE_METHOD(ImportFixture,
                 "Import storage: an unlinked provider's login that another identity has is a conflict",
                 "[server][store][import]") {
    import(identity(kAlice, {}, {"graph.facebook.com"}));
    const Login facebook{"graph.facebook.com", "someone"};
    const std::string other = store->identity_for_logins(kPool, {facebook}, now).value().identity_id;
    CHECK(store->link_imported_login(kAlice, facebook, ++now).status().code() == Errc::conflict);
    CHECK(store->unlinked_providers(kAlice).value() == std::vector<std::string>{"graph.facebook.com"});
    CHECK(store->logins(kAlice).value().empty());
    CHECK(store->find_for_logins(kPool, {facebook}).value() == other);
    CHECK(store->link_imported_login(kBob, facebook, ++now).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: an unfinished run is kept per pool until it finishes",
                 "[server][store][import]") {
    const std::string api_pool = "us-east-1:22222222-0000-4000-8000-000000000000";
    REQUIRE(store->create_pool(api_pool, "{}", now).ok());
    CHECK(store->import_run(kPool).value() == std::nullopt);
    const ImportRun first{now, "token-1", 60};
    REQUIRE(store->save_import_run(kPool, first).ok());
    REQUIRE(store->save_import_run(api_pool, ImportRun{now, "other", 1}).ok());
    CHECK(store->import_run(kPool).value() == first);
    const ImportRun further{now, "token-2", 120};
    REQUIRE(store->save_import_run(kPool, further).ok());
    reopen();
    CHECK(store->import_run(kPool).value() == further);

    REQUIRE(store->save_import_run(kPool, std::nullopt).ok());
    CHECK(store->import_run(kPool).value() == std::nullopt);
    CHECK(store->save_import_run("us-east-1:99999999-0000-0000-0000-000000000000", first).code() ==
          Errc::not_found);
    REQUIRE(store->delete_pool(api_pool).ok());  // the run goes with its pool
    REQUIRE(store->create_pool(api_pool, "{}", now).ok());
    CHECK(store->import_run(api_pool).value() == std::nullopt);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: what an import wrote survives a restart",
                 "[server][store][import]") {
    const Login login{std::string(kDeveloper), "alice"};
    import(identity(kAlice, {login}, {"accounts.google.com"}));
    const auto dataset = settings();
    import(dataset);
    const auto version = store->record_version(kAlice, "settings", "volume").value()->version;
    reopen();
    CHECK(store->pool_of(kAlice).value() == kPool);
    CHECK(store->find_for_logins(kPool, {login}).value() == kAlice);
    CHECK(store->unlinked_providers(kAlice).value() == std::vector<std::string>{"accounts.google.com"});
    CHECK(list(kAlice, "settings").records == listed_order(dataset.records));
    CHECK(store->describe_dataset(kAlice, "settings")->num_records == 3);
    CHECK(mark(kAlice, "settings") == ImportMark{dataset.last_modified_date, 5, true});
    // The clock was kept: a write after the restart orders after the imported versions.
    REQUIRE(store->update_records(kAlice, "settings", "device", {put("theme", "light", 1)}, ++now).ok());
    CHECK(store->record_version(kAlice, "settings", "theme").value()->version > version);
}

TEST_CASE_METHOD(ImportFixture, "Import storage: deleting an identity drops its marks and unlinked providers",
                 "[server][store][import]") {
    import(identity(kAlice, {}, {"accounts.google.com"}));
    import(settings());
    REQUIRE(store->delete_identities({kAlice}).ok());
    CHECK(store->pool_of(kAlice).status().code() == Errc::not_found);
    CHECK(mark(kAlice, "settings") == std::nullopt);
    CHECK(store->unlinked_providers(kAlice).value().empty());

    // Nothing is left to know it by: imported again, it is made anew.
    import(identity(kAlice));
    CHECK(store->pool_of(kAlice).value() == kPool);
    CHECK(store->unlinked_providers(kAlice).value().empty());
    import(settings());
    CHECK(list(kAlice, "settings").dataset_sync_count == 5);
    REQUIRE(store->update_records(kAlice, "settings", "device", {put("theme", "light", 1)}, ++now).ok());
}

TEST_CASE_METHOD(ImportFixture, "Import storage: a merged identity's marks and unlinked providers go with it",
                 "[server][store][import]") {
    import(identity(kAlice, {}, {"accounts.google.com"}));
    import(settings());
    import(identity(kBob, {Login { std::string(kDeveloper), "bob" }}));
    IdentityStorage& identities = *store;
    REQUIRE(identities.merge(kBob, kAlice, ++now).ok());
    CHECK(mark(kAlice, "settings") == std::nullopt);
    CHECK(store->unlinked_providers(kAlice).value().empty());
    CHECK(store->unlinked_providers(kBob).value().empty());
    // The dataset lives on under the survivor, as merges move it, with no mark of its own.
    const std::string moved = merged_dataset_name("settings", kAlice);
    CHECK(list(kBob, moved).dataset_sync_count == 5);
    CHECK(mark(kBob, moved) == std::nullopt);
}
