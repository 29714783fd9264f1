// NameResolver: lookups on a background io_context, waited for with a condition variable and a deadline.
#include "name_resolver.hpp"

#include <boost/asio/post.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace synclatch::platform::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

NameResolver::NameResolver() : work_(asio::make_work_guard(io_)) {
    thread_ = std::thread([this] { io_.run(); });
}

NameResolver::~NameResolver() {
    work_.reset();  // run() returns once the lookups in flight have completed
    thread_.join();
}

Resolved NameResolver::resolve(const std::string& host, std::uint16_t port,
                               std::chrono::steady_clock::time_point until) {
    // Shared with the completion handler, which may run after this call has given up.
    struct Pending {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        Resolved resolved;
    };
    auto pending = std::make_shared<Pending>();
    auto resolver = std::make_shared<tcp::resolver>(io_);
    resolver->async_resolve(host, std::to_string(port), tcp::resolver::numeric_service,
                            [pending, resolver](const boost::system::error_code& error,
                                                const tcp::resolver::results_type& results) {
                                std::lock_guard lock(pending->mutex);
                                pending->resolved.error = error;
                                for (const auto& entry : results)
                                    pending->resolved.endpoints.push_back(entry.endpoint());
                                pending->done = true;
                                pending->done_cv.notify_all();
                            });
    std::unique_lock lock(pending->mutex);
    if (!pending->done_cv.wait_until(lock, until, [&] { return pending->done; })) {
        asio::post(io_, [resolver] { resolver->cancel(); });
        Resolved late;
        late.timed_out = true;
        return late;
    }
    return std::move(pending->resolved);
}

}  // namespace synclatch::platform::detail
