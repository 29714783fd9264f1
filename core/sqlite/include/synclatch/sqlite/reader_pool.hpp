// ReaderPool: read-only connections for concurrent readers. WAL lets each read see the last commit while a
// writer works; a connection is taken for one read and given back, and at most max_idle are kept open.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "synclatch/sqlite/database.hpp"

namespace synclatch::core::sqlite {

// Thread-safety: all methods may be called concurrently.
class ReaderPool {
  public:
    ReaderPool(std::string path, OpenOptions options, std::size_t max_idle);

    // Runs fn(Database&) on a connection of its own; SqliteError propagates.
    template <class Fn>
    auto with_reader(Fn&& fn) {
        Lease lease(*this);
        return fn(*lease.db);
    }

  private:
    struct Lease {
        explicit Lease(ReaderPool& owner) : pool(owner), db(owner.take()) {}
        ~Lease() { pool.give_back(std::move(db)); }
        ReaderPool& pool;
        std::unique_ptr<Database> db;
    };

    std::unique_ptr<Database> take();
    void give_back(std::unique_ptr<Database> db) noexcept;

    std::string path_;
    OpenOptions options_;
    std::size_t max_idle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Database>> idle_;
};

}  // namespace synclatch::core::sqlite
