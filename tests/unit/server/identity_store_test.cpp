// Identity merges (identity_merge.hpp) on the engine this binary is built for (support/test_storage.hpp):
// what moves, what the survivor lists as merged, what the merged identity can no longer do, and that a
// refused merge changes nothing.
#include <catch2/catch.hpp>

#include <chrono>
#include <latch>
#include <set>
#include <thread>

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

// Two sign-ins at the same moment: on PostgreSQL they run on separate connections (and could run on separate
// servers); whichever links a login first, both end with the same identity.
TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: sign-ins of one new login at the same moment get one identity",
                 "[server][identity][concurrency]") {
    constexpr int kRounds = 10;
    constexpr int kThreads = 4;
    for (int round = 0; round < kRounds; ++round) {
        const Login login{"accounts.example.com", "racer-" + std::to_string(round)};
        std::vector<Result<SignIn>> answers(kThreads, Status{Errc::internal, "not run"});
        {
            std::latch start(kThreads);
            std::vector<std::thread> threads;
            for (int t = 0; t < kThreads; ++t) {
                threads.emplace_back([&, t] {
                    start.arrive_and_wait();
                    answers[static_cast<std::size_t>(t)] =
                        identities->identity_for_logins(kPool, {login}, now);
                });
            }
            for (auto& thread : threads)
                thread.join();
        }
        int created = 0;
        for (const auto& answer : answers) {
            INFO(answer.status().to_string());
            REQUIRE(answer.ok());
            CHECK(answer->identity_id == answers.front()->identity_id);
            created += answer->created ? 1 : 0;
        }
        CHECK(created == 1);
        CHECK(identities->find_for_logins(kPool, {login}).value() == answers.front()->identity_id);
    }
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: two guests signing in with one new login at once end as one",
                 "[server][identity][concurrency]") {
    std::vector<Result<SignIn>> answers(2, Status{Errc::internal, "not run"});
    {
        std::latch start(2);
        std::thread first([&] {
            start.arrive_and_wait();
            answers[0] = identities->authorize(survivor, {kAlice}, false, now + 1);
        });
        std::thread second([&] {
            start.arrive_and_wait();
            answers[1] = identities->authorize(merged, {kAlice}, false, now + 1);
        });
        first.join();
        second.join();
    }
    INFO(answers[0].status().to_string());
    INFO(answers[1].status().to_string());
    REQUIRE(answers[0].ok());
    REQUIRE(answers[1].ok());
    // The one that linked the login first keeps it; the other guest was merged into it.
    CHECK(answers[0]->identity_id == answers[1]->identity_id);
    const std::string& winner = answers[0]->identity_id;
    const std::string& loser = winner == survivor ? merged : survivor;
    CHECK(store->pool_of(loser).status().code() == Errc::not_found);
    CHECK(identities->survivor_of(loser).value() == winner);
    CHECK(identities->logins(winner).value() == std::vector<Login>{kAlice});
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: unlinking the last login disables the identity for good",
                 "[server][identity]") {
    REQUIRE(identities->authorize(merged, {kAlice, kAliceElsewhere}, false, ++now).ok());
    const auto credentials = store->issue_credentials(merged, now, kHour).value();
    REQUIRE(store->find_credentials(credentials.access_key_id).ok());

    // Only the identity's own logins, all or none of them.
    CHECK(identities->unlink(merged, {kAlice, kBob}, ++now).status().code() == Errc::not_found);
    CHECK(identities->logins(merged).value() == std::vector<Login>{kAlice, kAliceElsewhere});
    CHECK(identities->unlink("us-east-1:ffffffff-0000-4000-8000-000000000000", {kAlice}, ++now)
              .status()
              .code() == Errc::not_found);

    CHECK_FALSE(identities->unlink(merged, {kAliceElsewhere}, ++now).value());
    CHECK(store->find_credentials(credentials.access_key_id).ok());
    CHECK(identities->authorize(merged, {kAlice}, false, ++now).ok());

    CHECK(identities->unlink(merged, {kAlice}, ++now).value());
    CHECK(store->find_credentials(credentials.access_key_id).status().code() == Errc::unauthorized);
    CHECK(identities->authorize(merged, {}, true, ++now).status().code() == Errc::unauthorized);
    CHECK(identities->authorize(merged, {kAlice}, false, ++now).status().code() == Errc::unauthorized);
    CHECK(identities->logins(merged).value().empty());
    // Listed only when disabled ones are asked for.
    auto all = identities->list_identities(kPool, "", 60, false).value();
    auto enabled = identities->list_identities(kPool, "", 60, true).value();
    CHECK(all.size() == 2);
    REQUIRE(enabled.size() == 1);
    CHECK(enabled[0].identity_id == survivor);
    // The unlinked login is new again: its next sign-in makes a new identity.
    auto again = identities->identity_for_logins(kPool, {kAlice}, ++now);
    REQUIRE(again.ok());
    CHECK(again->created);
    CHECK(again->identity_id != merged);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: deleted identities take their logins, credentials and devices",
                 "[server][identity]") {
    REQUIRE(identities->authorize(merged, {kAlice}, false, ++now).ok());
    const auto credentials = store->issue_credentials(merged, now, kHour).value();
    const auto device = store->register_device(merged, "GCM", "token-1", now).value();
    REQUIRE(store->subscribe(merged, "game", device).ok());

    REQUIRE(identities->delete_identities({merged, "us-east-1:ffffffff-0000-4000-8000-000000000000"}).ok());
    CHECK(store->pool_of(merged).status().code() == Errc::not_found);
    CHECK(identities->describe_identity(merged).status().code() == Errc::not_found);
    CHECK(store->find_credentials(credentials.access_key_id).status().code() == Errc::unauthorized);
    CHECK(store->device_owner(device).status().code() == Errc::not_found);
    CHECK(store->issue_credentials(merged, now, kHour).status().code() == Errc::not_found);
    CHECK(store->pool_of(survivor).ok());
    auto again = identities->identity_for_logins(kPool, {kAlice}, ++now);
    REQUIRE(again.ok());
    CHECK(again->created);
    // Deleted twice: nothing to do, not an error.
    CHECK(identities->delete_identities({merged}).ok());
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: deleting a survivor deletes what was merged into it",
                 "[server][identity]") {
    const std::string third = store->create_identity(kPool, now).value();
    REQUIRE(identities->merge(survivor, merged, ++now).ok());
    REQUIRE(identities->merge(third, survivor, ++now).ok());
    CHECK(identities->survivor_of(merged).value() == third);
    CHECK(identities->survivor_of(third).value() == std::nullopt);
    CHECK(identities->describe_identity(survivor).status().code() == Errc::not_found);
    // A merged identity is passed over: it went with its merge.
    REQUIRE(identities->delete_identities({survivor}).ok());
    CHECK(store->pool_of(third).ok());

    REQUIRE(identities->delete_identities({third}).ok());
    CHECK(identities->survivor_of(third).status().code() == Errc::not_found);
    CHECK(identities->survivor_of(survivor).status().code() == Errc::not_found);
    CHECK(identities->survivor_of(merged).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: identities list in id order with their logins, a page at a time",
                 "[server][identity]") {
    REQUIRE(identities->authorize(survivor, {kAliceElsewhere, kAlice}, false, ++now).ok());
    std::set<std::string> made{survivor, merged};
    for (int i = 0; i < 5; ++i)
        made.insert(store->create_identity(kPool, now).value());
    const std::string gone = store->create_identity(kPool, now).value();
    REQUIRE(identities->merge(survivor, gone, ++now).ok());
    REQUIRE(store->ensure_pool(kOtherPool, now).ok());
    REQUIRE(store->create_identity(kOtherPool, now).ok());

    std::vector<std::string> listed;
    std::string after;
    for (;;) {
        auto page = identities->list_identities(kPool, after, 3, false);
        REQUIRE(page.ok());
        if (page->empty()) break;
        CHECK(page->size() <= 3);
        for (const auto& identity : *page) {
            listed.push_back(identity.identity_id);
            CHECK(identity.created >= 1'700'000'000'000);
            if (identity.identity_id == survivor) {
                CHECK(identity.logins == std::vector<Login>{kAlice, kAliceElsewhere});
                CHECK(identity.last_modified > identity.created);
            } else {
                CHECK(identity.logins.empty());
            }
        }
        after = listed.back();
    }
    CHECK(listed == std::vector<std::string>(made.begin(), made.end()));  // merged ones never

    const auto described = identities->describe_identity(survivor).value();
    CHECK(described.pool_id == kPool);
    CHECK(described.logins == std::vector<Login>{kAlice, kAliceElsewhere});
    CHECK(identities->describe_identity(gone).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(MergeFixture, "Sign-in storage: the newest credentials are those that expire last",
                 "[server][identity]") {
    CHECK(store->newest_credentials(survivor, now).value() == std::nullopt);
    const auto short_lived = store->issue_credentials(survivor, now, kHour).value();
    const auto long_lived = store->issue_credentials(survivor, now, 2 * kHour).value();
    REQUIRE(store->issue_credentials(merged, now, 3 * kHour).ok());
    auto newest = store->newest_credentials(survivor, now);
    REQUIRE(newest.ok());
    REQUIRE(*newest);
    CHECK((*newest)->access_key_id == long_lived.access_key_id);
    CHECK((*newest)->secret_key == long_lived.secret_key);
    CHECK((*newest)->session_token == long_lived.session_token);
    CHECK((*newest)->identity_id == survivor);
    CHECK(store->newest_credentials(survivor, now + 2 * kHour).value() == std::nullopt);
    const auto found = store->find_credentials(short_lived.access_key_id).value();
    CHECK(found.identity_id == survivor);
    CHECK(found.expiration == now + kHour);
    CHECK(store->find_credentials("ASIA00000000000000000000").status().code() == Errc::unauthorized);
}

#ifdef SYNCLATCH_TEST_ON_POSTGRES
// Two servers on one database: nothing one of them answers from memory may hide the other's writes.
TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: a second server sees sign-ins, revocations and deletions at once",
                 "[server][identity][concurrency]") {
    auto other = site.open_or_fail();
    auto here = identities->identity_for_logins(kPool, {kAlice}, ++now);
    REQUIRE(here.ok());
    CHECK(other->identity_for_logins(kPool, {kAlice}, ++now)->identity_id == here->identity_id);
    const auto credentials = store->issue_credentials(here->identity_id, now, kHour).value();
    REQUIRE(other->find_credentials(credentials.access_key_id).ok());
    REQUIRE(other->pool_of(here->identity_id).ok());

    REQUIRE(store->unlink(here->identity_id, {kAlice}, ++now).value());
    CHECK(other->find_credentials(credentials.access_key_id).status().code() == Errc::unauthorized);
    REQUIRE(store->delete_identities({here->identity_id}).ok());
    CHECK(other->pool_of(here->identity_id).status().code() == Errc::not_found);
}

TEST_CASE_METHOD(MergeFixture,
                 "Sign-in storage: a SyncTrigger set on one server reaches another within its bound",
                 "[server][identity][slow]") {
    auto other = site.open_or_fail();
    CHECK(other->sync_trigger(kPool).value().empty());  // now in the other server's memory
    REQUIRE(store->set_cognito_events(kPool, R"({"SyncTrigger":"f"})", "f").ok());
    CHECK(store->sync_trigger(kPool).value() == "f");  // this server's own write: at once
    std::this_thread::sleep_for(PgStorage::kSyncTriggerStaleness + std::chrono::milliseconds(100));
    CHECK(other->sync_trigger(kPool).value() == "f");
}
#endif
