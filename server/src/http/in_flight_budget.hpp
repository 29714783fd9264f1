// InFlightBudget: bytes of request bodies and answers a server holds at once, counted in total and per
// client address, so that no one client can take the whole budget and starve the others.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <map>
#include <mutex>

namespace synclatch::server {

// Thread-safety: reserve() and the readers from any thread; a Reservation is released on any thread.
class InFlightBudget {
  public:
    // per_client >= the largest single reservation, or that reservation never fits.
    InFlightBudget(std::size_t total, std::size_t per_client) : total_(total), per_client_(per_client) {}

    // Room held until destroyed; held() says whether it was granted (a refused one holds nothing).
    class Reservation {
      public:
        Reservation() = default;
        Reservation(Reservation&& other) noexcept;
        Reservation& operator=(Reservation&&) = delete;
        ~Reservation();
        bool held() const { return budget_ != nullptr; }

      private:
        friend class InFlightBudget;
        Reservation(InFlightBudget* budget, boost::asio::ip::address client, std::size_t bytes)
            : budget_(budget), client_(client), bytes_(bytes) {}
        InFlightBudget* budget_ = nullptr;
        boost::asio::ip::address client_;
        std::size_t bytes_ = 0;
    };

    // Zero bytes are always granted without taking the lock.
    Reservation reserve(const boost::asio::ip::address& client, std::size_t bytes);

    std::size_t in_flight() const;
    std::size_t clients() const;  // addresses holding something now
    std::size_t total() const { return total_; }

  private:
    void release(const boost::asio::ip::address& client, std::size_t bytes);

    const std::size_t total_;
    const std::size_t per_client_;
    mutable std::mutex mutex_;
    std::size_t in_flight_ = 0;                                  // guarded by mutex_
    std::map<boost::asio::ip::address, std::size_t> by_client_;  // guarded by mutex_; no zero entries
};

}  // namespace synclatch::server
