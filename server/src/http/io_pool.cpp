// Round-robin over single-threaded io_contexts.
#include "http/io_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

namespace synclatch::server {

namespace {
thread_local boost::asio::io_context* this_thread_context_ = nullptr;

void run_on_this_thread(boost::asio::io_context& context) {
    this_thread_context_ = &context;
    context.run();
    this_thread_context_ = nullptr;
}
}  // namespace

IoPool::IoPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));  // 1: a single thread runs it
        guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
        // Asio makes a context's reactor (an epoll and an eventfd) with its first timer or socket. Made
        // now, at start: made for a connection accepted while file descriptors run out, it would throw
        // where nothing can catch it.
        boost::asio::steady_timer reactor_now(*contexts_.back());
    }
}

boost::asio::io_context& IoPool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([context = contexts_[i].get()] { run_on_this_thread(*context); });
    run_on_this_thread(*contexts_.front());
    for (auto& thread : threads)
        thread.join();
}

boost::asio::io_context* IoPool::this_thread_context() noexcept {
    return this_thread_context_;
}

void IoPool::release() {
    // Each guard is reset on its own context's thread: executor_work_guard is not thread-safe.
    for (std::size_t i = 0; i < contexts_.size(); ++i)
        boost::asio::post(*contexts_[i], [this, i] { guards_[i].reset(); });
}

}  // namespace synclatch::server
