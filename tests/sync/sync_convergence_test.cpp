// Randomized convergence: K devices make random edits and removals while offline (and between the pages
// of their pushes, paged small) and sync in random order through a transport that drops, duplicates and
// delays requests and fails the Nth; at the end every device and the server hold the same data, and for
// every key the latest edit (by device time) is what they hold: no edit is lost except to a later one.
// Seeds are printed on failure and replayable: SYNCLATCH_SEED=<n> runs that seed alone.
#include <atomic>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <mutex>
#include <random>
#include <type_traits>

#include "support/numbered.hpp"
#include "sync/sync_world.hpp"

using namespace synclatch;
using synclatch::test::SyncDevice;
using synclatch::test::SyncWorld;

namespace {

struct Faults {
    double fail_before = 0;     // the request never reaches the server
    double drop = 0;            // the server applies it, the answer is lost
    double duplicate = 0;       // the server gets it twice; the client sees the first answer
    double delay = 0;           // another device syncs before the request arrives
    std::int64_t fail_nth = 0;  // this request (1-based) fails, whatever the dice say
    bool fail_nth_after_delivery = false;
};

// The transport with faults. Shared by the devices of one world; `quiet` turns faults off (the final
// rounds, and the syncs run from inside a delay). Sends may come from several threads at once (a push keeps
// two UpdateRecords in flight): the dice are rolled under a lock, and one delay's detour runs at a time.
class FaultyClient final : public sync::HttpClient {
  public:
    FaultyClient(sync::HttpClient& inner, std::mt19937_64& rng, Faults faults)
        : inner_(inner), rng_(rng), faults_(faults) {}

    std::function<void()> while_delayed;
    std::atomic<bool> quiet = false;
    std::atomic<std::int64_t> sent = 0;

    bool concurrent_sends() const noexcept override { return inner_.concurrent_sends(); }

    Result<sync::HttpResponse> send(const sync::HttpRequest& request,
                                    std::chrono::milliseconds deadline) override {
        const std::int64_t nth = ++sent;
        if (quiet) return inner_.send(request, deadline);
        if (nth == faults_.fail_nth) {
            if (faults_.fail_nth_after_delivery) (void)inner_.send(request, deadline);
            return Status{Errc::unavailable, "injected: request " + std::to_string(nth) + " failed"};
        }
        double roll =
            with_rng([](std::mt19937_64& rng) { return std::uniform_real_distribution<double>(0, 1)(rng); });
        if ((roll -= faults_.fail_before) < 0) return Status{Errc::unavailable, "injected: not delivered"};
        if ((roll -= faults_.drop) < 0) {
            (void)inner_.send(request, deadline);
            return Status{Errc::timeout, "injected: answer lost"};
        }
        if ((roll -= faults_.duplicate) < 0) {
            auto first = inner_.send(request, deadline);
            (void)inner_.send(request, deadline);
            return first;
        }
        if ((roll -= faults_.delay) < 0 && while_delayed) {
            std::unique_lock detour(detour_mutex_, std::try_to_lock);
            if (detour.owns_lock()) {
                quiet = true;  // the delayed request's detour runs without faults (no nesting)
                while_delayed();
                quiet = false;
            }
        }
        return inner_.send(request, deadline);
    }

    // Draws from the world's generator, which sends on other threads may be drawing from too.
    template <class Draw>
    std::invoke_result_t<Draw, std::mt19937_64&> with_rng(Draw draw) {
        std::lock_guard lock(dice_mutex_);
        return draw(rng_);
    }

  private:
    sync::HttpClient& inner_;
    std::mt19937_64& rng_;  // guarded by dice_mutex_ while sends may run
    Faults faults_;
    std::mutex dice_mutex_;
    std::mutex detour_mutex_;
};

// The newest edit of each key over all devices: its value (std::nullopt: removed).
using Latest = std::map<std::string, std::pair<core::EpochMillis, std::optional<std::string>>>;

void record_edit(Latest& latest, SyncDevice& device, const std::string& key) {
    auto record = device.dataset("things").get_record(key).value();
    REQUIRE(record.has_value());
    auto& slot = latest[key];
    if (record->device_last_modified >= slot.first) slot = {record->device_last_modified, record->value};
}

std::map<std::string, std::string> expected_state(const Latest& latest) {
    std::map<std::string, std::string> state;
    for (const auto& [key, edit] : latest) {
        if (edit.second) state[key] = *edit.second;
    }
    return state;
}

struct World {
    World(std::uint64_t seed, int devices, Faults faults)
        : rng(seed), transport(world.server.client(), rng, faults) {
        for (int i = 0; i < devices; ++i) {
            const std::string name = "device-" + std::to_string(i);
            fleet.push_back(std::make_unique<SyncDevice>(world.dir.file(name + ".db"), transport,
                                                         world.identity, world.clock, name));
        }
        transport.while_delayed = [this] {
            const std::size_t picked = transport.with_rng([&](std::mt19937_64& generator) {
                return std::uniform_int_distribution<std::size_t>(0, fleet.size() - 1)(generator);
            });
            (void)fleet[picked]->sync("things");
        };
    }

    // Syncs every device without faults until a full round changes nothing (bounded).
    void settle() {
        transport.quiet = true;
        for (int round = 0; round < 4; ++round) {
            for (auto& device : fleet) {
                auto result = device->sync("things");
                INFO(device->name() << ": " << result.status().to_string());
                REQUIRE(result.ok());
            }
        }
    }

    void check_converged(const Latest& latest) {
        const auto expected = expected_state(latest);
        for (auto& device : fleet) {
            INFO(device->name());
            CHECK(device->dataset("things").get_all().value() == expected);
            CHECK(device->dataset("things").modified_records().value().empty());
        }
        SyncDevice probe(world.dir.file("probe.db"), world.server.client(), world.identity, world.clock,
                         "probe");
        REQUIRE(probe.sync("things").ok());
        CHECK(probe.dataset("things").get_all().value() == expected);
    }

    SyncWorld world;
    std::mt19937_64 rng;
    FaultyClient transport;
    std::vector<std::unique_ptr<SyncDevice>> fleet;
};

void run_seed(std::uint64_t seed) {
    CAPTURE(seed);
    Faults faults{0.05, 0.05, 0.05, 0.05};
    std::mt19937_64 setup(seed);
    const int devices = 2 + static_cast<int>(setup() % 2);
    World w(seed, devices, faults);
    Latest latest;
    std::uniform_int_distribution<int> action(0, 99);
    std::uniform_int_distribution<int> key_of(0, 5);
    std::uniform_int_distribution<int> device_of(0, devices - 1);
    for (int step = 0; step < 30; ++step) {
        auto& device = *w.fleet[device_of(w.rng)];
        const std::string key = test::numbered("k", key_of(w.rng));
        const int roll = action(w.rng);
        if (roll < 40) {
            const std::string value = device.name() + "@" + std::to_string(step);
            REQUIRE(device.dataset("things").put(key, value).ok());
            record_edit(latest, device, key);
        } else if (roll < 55) {
            const bool live = device.dataset("things").get(key).value().has_value();
            REQUIRE(device.dataset("things").remove(key).ok());
            if (live) record_edit(latest, device, key);
        } else {
            // Pushes in pages of 1 to 3 records (of 6 keys), and now and then an edit between two pages.
            sync::SyncOptions options;
            options.max_patches_per_request = 1 + static_cast<std::size_t>(w.rng() % 3);
            options.on_progress = [&](const sync::SyncProgress& progress) {
                if (progress.phase != sync::SyncProgress::Phase::pushing || action(w.rng) >= 30) return;
                const std::string edited = test::numbered("k", key_of(w.rng));
                const std::string value = device.name() + "@" + std::to_string(step) + "+";
                REQUIRE(device.dataset("things").put(edited, value).ok());
                record_edit(latest, device, edited);
            };
            auto result = device.sync("things", options);
            if (!result.ok()) {
                INFO(device.name() << " step " << step << ": " << result.status().to_string());
                // Only what the faults can cause: a lost request, or writers racing past the attempts.
                CHECK((result.status().retryable() || result.status().code() == Errc::conflict));
            }
        }
    }
    w.settle();
    w.check_converged(latest);
}

}  // namespace

TEST_CASE("Convergence: random offline edits and syncs through a faulty transport, 200 seeds",
          "[sync][convergence]") {
    if (const char* only = std::getenv("SYNCLATCH_SEED")) {
        run_seed(std::strtoull(only, nullptr, 10));
        return;
    }
    for (std::uint64_t seed = 1; seed <= 200; ++seed)
        run_seed(seed);
}

TEST_CASE("Convergence: 2,000 more seeds", "[.][slow][sync][convergence]") {
    for (std::uint64_t seed = 1'001; seed <= 3'000; ++seed)
        run_seed(seed);
}

TEST_CASE("Convergence: failing each request of a sync in turn loses nothing", "[sync][convergence]") {
    // A fixed scenario: both devices edit offline (a shared key and their own), then sync a, b, a.
    // First count its requests, then fail each one in turn, before and after it reaches the server.
    auto scenario = [](World& w, Latest& latest) {
        auto& a = *w.fleet[0];
        auto& b = *w.fleet[1];
        REQUIRE(a.dataset("things").put_all({{"shared", "a"}, {"only-a", "1"}}).ok());
        record_edit(latest, a, "shared");
        record_edit(latest, a, "only-a");
        REQUIRE(b.dataset("things").put("shared", "b").ok());
        record_edit(latest, b, "shared");
        REQUIRE(b.dataset("things").remove("never").ok());
        for (auto* device : {&a, &b, &a})
            (void)device->sync("things");
    };
    std::int64_t total = 0;
    {
        World clean(0, 2, {});
        Latest latest;
        scenario(clean, latest);
        total = clean.transport.sent;
        clean.settle();
        clean.check_converged(latest);
    }
    REQUIRE(total >= 5);  // a: list + push, b: list + push, a: list
    for (std::int64_t nth = 1; nth <= total; ++nth) {
        for (bool after_delivery : {false, true}) {
            CAPTURE(nth, after_delivery);
            Faults faults;
            faults.fail_nth = nth;
            faults.fail_nth_after_delivery = after_delivery;
            World w(0, 2, faults);
            Latest latest;
            scenario(w, latest);
            w.settle();
            w.check_converged(latest);
        }
    }
}
