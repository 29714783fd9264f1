// Identity merges (identity_merge.hpp) on the engine this binary is built for (support/test_storage.hpp):
// what moves, what the survivor lists as merged, what the merged identity can no longer do, and that a
// refused merge changes nothing.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "store/record_versions.hpp"
#include "support/test_storage.hpp"

using namespace synclatch;
using namespace synclatch::server;
using sync::PatchOp;
using sync::RecordPatch;

namespace {

constexpr std::string_view kPool = "us-east-1:00000000-0000-0000-0000-000000000000";
constexpr std::string_view kOtherPool = "us-east-1:11111111-0000-0000-0000-000000000000";
constexpr EpochMillis kHour = 60 * 60 * 1000;

RecordPatch put(std::string key, std::string value, std::int64_t sync_count) {
    return RecordPatch{PatchOp::replace, std::move(key), std::move(value), sync_count, std::nullopt};
}
RecordPatch remove(std::string key, std::int64_t sync_count) {
    return RecordPatch{PatchOp::remove, std::move(key), std::nullopt, sync_count, std::nullopt};
}

struct MergeFixture {
    MergeFixture() {
        store = site.open_or_fail();
        REQUIRE(store->ensure_pool(kPool, now).ok());
        survivor = store->create_identity(kPool, now).value();
        merged = store->create_identity(kPool, now).value();
        identities = store.get();
    }

    void update(const std::string& identity, const std::string& dataset, std::vector<RecordPatch> patches) {
        auto written = store->update_records(identity, dataset, "device", patches, ++now);
        INFO(written.status().to_string());
        REQUIRE(written.ok());
    }

    sync::ListRecordsResult list(const std::string& identity, const std::string& dataset,
                                 std::int64_t last_sync_count = 0) {
        auto page = store->list_records(identity, dataset, last_sync_count, "", 0);
        INFO(page.status().to_string());
        REQUIRE(page.ok());
        return std::move(page).value();
    }

    std::int64_t events() { return store->read_stream("dataset-changes", 0, 1000)->size(); }

    test::TestStorageSite site;
    EpochMillis now = 1'700'000'000'000;
    std::unique_ptr<Storage> store;
    IdentityStorage* identities = nullptr;  // the storage seam's sign-in part, of store
    std::string survivor;
    std::string merged;
};

}  // namespace

TEST_CASE_METHOD(
    MergeFixture,
    "Sign-in storage: a merge moves every dataset under the survivor with its records and sync counts",
    "[server][identity]") {
    update(survivor, "game", {put("level", "7", 0)});
    update(merged, "game", {put("level", "3", 0), put("coins", "10", 0)});
    update(merged, "game", {remove("coins", 1)});
    update(merged, "settings", {put("sound", "off", 0)});
    const auto events_before = events();

    auto moved = identities->merge(survivor, merged, ++now);
    REQUIRE(moved.ok());
    REQUIRE(moved->size() == 2);
    const std::string game = "game." + merged;
    CHECK((*moved)[0].from == "game");
    CHECK((*moved)[0].to == game);
    CHECK((*moved)[0].sync_count == 2);
    CHECK((*moved)[1].to == "settings." + merged);

    // The merged identity's devices carry on from their sync count: nothing is "No such SyncCount".
    const auto page = list(survivor, game);
    CHECK(page.dataset_sync_count == 2);
    REQUIRE(page.records.size() == 2);
    CHECK(page.records[0].key == "level");
    CHECK(page.records[0].value == "3");
    CHECK(page.records[0].sync_count == 1);
    CHECK(page.records[1].key == "coins");
    CHECK_FALSE(page.records[1].value);  // the tombstone moves too
    CHECK(page.records[1].sync_count == 2);
    CHECK(list(survivor, game, 1).records.size() == 1);
    CHECK(list(survivor, "game").merged_dataset_names == std::vector<std::string>{game});
    CHECK(list(survivor, "settings").merged_dataset_names == std::vector<std::string>{"settings." + merged});
    CHECK(list(survivor, "game").records.at(0).value == "7");  // the survivor's own data is untouched

    // One dataset-changes event per moved dataset, with its records.
    const auto stream = store->read_stream("dataset-changes", 0, 1000).value();
    REQUIRE(static_cast<std::int64_t>(stream.size()) == events_before + 2);
    const auto event = nlohmann::json::parse(stream[stream.size() - 2].data);
    CHECK(event.at("identityId") == survivor);
    CHECK(event.at("datasetName") == game);
    CHECK(event.at("kinesisSyncRecords").size() == 2);
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: a merged identity is gone and cannot act",
                 "[server][identity]") {
    update(merged, "game", {put("level", "3", 0)});
    const auto credentials = store->issue_credentials(merged, now, kHour).value();
    REQUIRE(store->find_credentials(credentials.access_key_id).ok());  // now in the cache
    REQUIRE(store->pool_of(merged).ok());                              // likewise

    REQUIRE(identities->merge(survivor, merged, ++now).ok());
    CHECK(store->pool_of(merged).status().code() == Errc::not_found);
    CHECK(store->find_credentials(credentials.access_key_id).status().code() == Errc::unauthorized);
    CHECK(store->update_records(merged, "game", "device", {put("level", "4", 1)}, ++now).status().code() ==
          Errc::not_found);
    CHECK(store->issue_credentials(merged, now, kHour).status().code() == Errc::not_found);
    CHECK(store->list_datasets(merged, "", 0)->datasets.empty());
    // Merged once: never again, into anyone.
    const std::string third = store->create_identity(kPool, now).value();
    CHECK(identities->merge(third, merged, ++now).status().code() == Errc::not_found);
    CHECK(identities->merge(merged, third, ++now).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: a name the survivor deleted keeps counting past its deletion",
                 "[server][identity]") {
    const std::string name = "game." + merged;
    for (int i = 0; i < 5; ++i)
        update(survivor, name, {put("k", std::to_string(i), i)});
    REQUIRE(store->delete_dataset(survivor, name, ++now).ok());
    update(merged, "game", {put("level", "3", 0)});

    REQUIRE(identities->merge(survivor, merged, ++now).ok());
    const auto page = list(survivor, name);
    CHECK(page.dataset_exists);
    CHECK(page.dataset_sync_count == 6);
    REQUIRE(page.records.size() == 1);
    CHECK(page.records[0].sync_count == 6);
    // A device of the survivor that had synced the deleted dataset is told to start over.
    CHECK(list(survivor, name, 5).dataset_deleted_after_requested_sync_count);
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: onto a name the survivor holds, the merge is one write",
                 "[server][identity]") {
    const std::string name = "game." + merged;
    update(survivor, name, {put("mine", "1", 0), put("level", "9", 0)});
    update(merged, "game", {put("level", "3", 0)});

    REQUIRE(identities->merge(survivor, merged, ++now).ok());
    const auto page = list(survivor, name);
    CHECK(page.dataset_sync_count == 2);
    REQUIRE(page.records.size() == 2);
    CHECK(page.records[0].key == "mine");
    CHECK(page.records[1].key == "level");
    CHECK(page.records[1].value == "3");
    CHECK(page.records[1].sync_count == 2);
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: a refused merge changes nothing", "[server][identity]") {
    update(merged, "game", {put("level", "3", 0)});
    REQUIRE(store->ensure_pool(kOtherPool, now).ok());
    const std::string elsewhere = store->create_identity(kOtherPool, now).value();
    const auto events_before = events();

    CHECK(identities->merge(survivor, survivor, ++now).status().code() == Errc::invalid_argument);
    CHECK(identities->merge(elsewhere, merged, ++now).status().code() == Errc::invalid_argument);
    CHECK(identities->merge(survivor, "us-east-1:ffffffff-0000-4000-8000-000000000000", ++now)
              .status()
              .code() == Errc::not_found);
    CHECK(events() == events_before);
    CHECK(list(merged, "game").records.size() == 1);
    CHECK(store->pool_of(merged).ok());
    CHECK(list(survivor, "game").merged_dataset_names.empty());
}

TEST_CASE("Sign-in storage: merged dataset names fit the 128 characters of a dataset name",
          "[server][identity]") {
    const std::string id = "us-east-1:aaaaaaaa-0000-4000-8000-000000000001";
    CHECK(merged_dataset_name("game", id) == "game." + id);
    const std::string long_name(128, 'x');
    const std::string name = merged_dataset_name(long_name, id);
    CHECK(name.size() == 128);
    CHECK(name.ends_with("." + id));
}

// Logins (identity_logins.hpp): tokens are verified before the store sees them; here a Login is a fact.
namespace {

const Login kAlice{"accounts.example.com", "alice"};
const Login kAliceElsewhere{"login.example.app", "alice-42"};
const Login kBob{"accounts.example.com", "bob"};

}  // namespace

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: GetId with a login gives the same identity every time",
                 "[server][identity]") {
    auto first = identities->identity_for_logins(kPool, {kAlice}, ++now);
    REQUIRE(first.ok());
    CHECK(first->created);
    auto second = identities->identity_for_logins(kPool, {kAlice}, ++now);
    REQUIRE(second.ok());
    CHECK_FALSE(second->created);
    CHECK(second->identity_id == first->identity_id);
    // A second provider presented with the first links to the same identity.
    auto both = identities->identity_for_logins(kPool, {kAlice, kAliceElsewhere}, ++now);
    REQUIRE(both.ok());
    CHECK(both->identity_id == first->identity_id);
    CHECK(identities->identity_for_logins(kPool, {kAliceElsewhere}, ++now)->identity_id ==
          first->identity_id);
    CHECK(identities->logins(first->identity_id).value() == std::vector<Login>{kAlice, kAliceElsewhere});
    // Another user is another identity.
    auto bob = identities->identity_for_logins(kPool, {kBob}, ++now);
    REQUIRE(bob.ok());
    CHECK(bob->identity_id != first->identity_id);
    // A second user of a provider the identity has a login of is someone else, not a new link.
    CHECK(identities->identity_for_logins(kPool, {kAlice, Login{"login.example.app", "bob-7"}}, ++now)
              .status()
              .code() == Errc::unauthorized);
    // Logins of two identities at once lead nowhere.
    CHECK(identities->identity_for_logins(kPool, {kBob, kAliceElsewhere}, ++now).status().code() ==
          Errc::unauthorized);
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: a guest that signs in becomes authenticated with that login",
                 "[server][identity]") {
    auto guest = identities->authorize(merged, {}, false, ++now);
    REQUIRE(guest.ok());
    CHECK(guest->identity_id == merged);
    auto signed_in = identities->authorize(merged, {kAlice}, false, ++now);
    REQUIRE(signed_in.ok());
    CHECK(signed_in->identity_id == merged);
    CHECK_FALSE(signed_in->merged);
    CHECK(identities->logins(merged).value() == std::vector<Login>{kAlice});
    // From now on it needs a login of its own, and another user's is refused.
    CHECK(identities->authorize(merged, {}, false, ++now).status().code() == Errc::unauthorized);
    CHECK(identities->authorize(merged, {}, true, ++now).ok());  // a token this server issued for it
    CHECK(identities->authorize(merged, {kAlice}, false, ++now).ok());
    CHECK(identities->authorize(merged, {kBob}, false, ++now).status().code() == Errc::unauthorized);
    CHECK(identities->identity_for_logins(kPool, {kAlice}, ++now)->identity_id == merged);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: a guest signing in as a user with an identity is merged into it",
                 "[server][identity]") {
    REQUIRE(identities->authorize(survivor, {kAlice}, false, ++now).ok());
    update(survivor, "game", {put("level", "7", 0)});
    update(merged, "game", {put("level", "3", 0)});

    auto signed_in = identities->authorize(merged, {kAlice, kAliceElsewhere}, false, ++now);
    REQUIRE(signed_in.ok());
    CHECK(signed_in->identity_id == survivor);
    CHECK(signed_in->merged == merged);
    REQUIRE(signed_in->moved.size() == 1);
    CHECK(list(survivor, "game").merged_dataset_names == std::vector<std::string>{"game." + merged});
    CHECK(identities->logins(survivor).value() == std::vector<Login>{kAlice, kAliceElsewhere});
    CHECK(store->pool_of(merged).status().code() == Errc::not_found);
    CHECK(identities->authorize(merged, {kAlice}, false, ++now).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: an authenticated identity presenting another's login changes nothing",
                 "[server][identity]") {
    REQUIRE(identities->authorize(survivor, {kAlice}, false, ++now).ok());
    REQUIRE(identities->authorize(merged, {kBob}, false, ++now).ok());
    update(merged, "game", {put("level", "3", 0)});
    const auto events_before = events();

    CHECK(identities->authorize(merged, {kAlice}, false, ++now).status().code() == Errc::unauthorized);
    CHECK(identities->authorize(merged, {kBob, kAlice}, false, ++now).status().code() == Errc::unauthorized);
    // A second user of a provider the identity has a login of is someone else.
    CHECK(identities->authorize(merged, {kBob, Login{"accounts.example.com", "carol"}}, false, ++now)
              .status()
              .code() == Errc::unauthorized);
    CHECK(events() == events_before);
    CHECK(store->pool_of(merged).ok());
    CHECK(identities->logins(merged).value() == std::vector<Login>{kBob});
    CHECK(identities->logins(survivor).value() == std::vector<Login>{kAlice});
}
