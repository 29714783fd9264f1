// NameResolver: host name lookups bounded by a deadline. getaddrinfo() cannot be interrupted, so lookups
// run on Asio's resolver thread and complete on a thread of this class; a caller whose deadline passes
// returns at once and leaves the lookup to finish (and be discarded) in the background.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace synclatch::platform::detail {

struct Resolved {
    boost::system::error_code error;  // empty on success
    bool timed_out = false;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
};

// Thread-safety: resolve() may be called from several threads at once. The destructor waits for lookups
// still in progress (bounded by the system resolver's own timeouts).
class NameResolver {
  public:
    NameResolver();
    ~NameResolver();
    NameResolver(const NameResolver&) = delete;
    NameResolver& operator=(const NameResolver&) = delete;

    Resolved resolve(const std::string& host, std::uint16_t port,
                     std::chrono::steady_clock::time_point until);

  private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

}  // namespace synclatch::platform::detail
