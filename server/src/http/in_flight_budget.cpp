// The two counters under one lock: a reservation either fits both or takes nothing. The map only holds
// addresses with bytes in flight, so it is bounded by the connections.
#include "http/in_flight_budget.hpp"

#include <utility>

namespace synclatch::server {

InFlightBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), client_(other.client_), bytes_(other.bytes_) {}

InFlightBudget::Reservation::~Reservation() {
    if (budget_ != nullptr && bytes_ > 0) budget_->release(client_, bytes_);
}

InFlightBudget::Reservation InFlightBudget::reserve(const boost::asio::ip::address& client,
                                                    std::size_t bytes) {
    if (bytes == 0) return Reservation(this, client, 0);
    std::lock_guard lock(mutex_);
    if (bytes > total_ - in_flight_) return {};
    auto [entry, added] = by_client_.try_emplace(client, 0);
    if (bytes > per_client_ - entry->second) {
        if (added) by_client_.erase(entry);
        return {};
    }
    entry->second += bytes;
    in_flight_ += bytes;
    return Reservation(this, client, bytes);
}

void InFlightBudget::release(const boost::asio::ip::address& client, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    in_flight_ -= bytes;
    auto entry = by_client_.find(client);
    if (entry == by_client_.end()) return;
    entry->second -= bytes;
    if (entry->second == 0) by_client_.erase(entry);
}

std::size_t InFlightBudget::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

std::size_t InFlightBudget::clients() const {
    std::lock_guard lock(mutex_);
    return by_client_.size();
}

}  // namespace synclatch::server
