// Round-robin over single-threaded io_contexts.
#include "io_pool.hpp"

#include <boost/asio/post.hpp>
#include <thread>

namespace synclatch::server {

IoPool::IoPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));  // 1: a single thread runs it
        guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
    }
}

boost::asio::io_context& IoPool::next() {
    return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::run() {
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i)
        threads.emplace_back([context = contexts_[i].get()] { context->run(); });
    contexts_.front()->run();
    for (auto& thread : threads)
        thread.join();
}

void IoPool::release() {
    // Each guard is reset on its own context's thread: executor_work_guard is not thread-safe.
    for (std::size_t i = 0; i < contexts_.size(); ++i)
        boost::asio::post(*contexts_[i], [this, i] { guards_[i].reset(); });
}

}  // namespace synclatch::server
