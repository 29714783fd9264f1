// InFlightBudget: the total and each address's share, released when reservations end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http/in_flight_budget.hpp"

using boost::asio::ip::make_address;
using synclatch::server::InFlightBudget;

TEST_CASE("InFlightBudget: one address gets its share, the others the rest", "[server][budget]") {
    InFlightBudget budget(100, 40);
    const auto a = make_address("10.0.0.1");
    const auto b = make_address("10.0.0.2");
    auto a1 = budget.reserve(a, 30);
    CHECK(a1.held());
    CHECK_FALSE(budget.reserve(a, 11).held());  // beyond a's share
    auto a2 = budget.reserve(a, 10);
    CHECK(a2.held());
    auto b1 = budget.reserve(b, 40);
    CHECK(b1.held());
    auto c1 = budget.reserve(make_address("10.0.0.3"), 20);
    CHECK(c1.held());
    CHECK(budget.in_flight() == 100);
    CHECK_FALSE(budget.reserve(make_address("10.0.0.4"), 1).held());  // the total is taken
    CHECK(budget.reserve(make_address("10.0.0.4"), 0).held());        // nothing always fits
    CHECK(budget.clients() == 3);
}

TEST_CASE("InFlightBudget: reservations give their room back when they end", "[server][budget]") {
    InFlightBudget budget(100, 50);
    const auto a = make_address("::1");
    {
        auto held = budget.reserve(a, 50);
        CHECK_FALSE(budget.reserve(a, 1).held());
        auto moved = std::move(held);
        CHECK(budget.in_flight() == 50);
    }
    CHECK(budget.in_flight() == 0);
    CHECK(budget.clients() == 0);  // no entry is kept for an address holding nothing
    CHECK(budget.reserve(a, 50).held());
}

TEST_CASE("InFlightBudget: concurrent reservations never exceed the total", "[server][budget]") {
    InFlightBudget budget(1000, 1000);
    std::atomic<std::size_t> peak{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const auto address = make_address("10.0.1." + std::to_string(t));
            for (int i = 0; i < 20'000; ++i) {
                auto r = budget.reserve(address, 300);
                if (r.held()) peak = std::max<std::size_t>(peak, budget.in_flight());
            }
        });
    }
    for (auto& thread : threads)
        thread.join();
    CHECK(peak <= 1000);
    CHECK(budget.in_flight() == 0);
}
