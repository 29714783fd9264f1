// Taking and returning pooled read connections.
#include "synclatch/sqlite/reader_pool.hpp"

#include <utility>

namespace synclatch::core::sqlite {

ReaderPool::ReaderPool(std::string path, OpenOptions options, std::size_t max_idle)
    : path_(std::move(path)), options_(options), max_idle_(max_idle) {
    options_.read_only = true;
    options_.create = false;
}

std::unique_ptr<Database> ReaderPool::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto db = std::move(idle_.back());
            idle_.pop_back();
            return db;
        }
    }
    return std::make_unique<Database>(path_, options_);  // opened outside the lock
}

void ReaderPool::give_back(std::unique_ptr<Database> db) noexcept {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(db));
}

}  // namespace synclatch::core::sqlite
