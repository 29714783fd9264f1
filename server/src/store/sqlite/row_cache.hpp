// RowCache: an in-memory copy of rows that seldom change (an identity's pool, issued credentials), so that
// authorizing a request costs no database read. Bounded: when full it starts over, which costs a few reads
// again, never a wrong answer. A writer that changes such a row erases it after its commit (erase_if); a
// reader that read the row before that commit cannot put the old copy back (insert checks the epoch it
// took before reading).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synclatch::server {

// Thread-safety: every method may be called from any thread concurrently.
template <class Value>
class RowCache {
  public:
    explicit RowCache(std::size_t max_entries) : max_entries_(max_entries) {}

    std::optional<Value> find(std::string_view key) const {
        std::shared_lock lock(mutex_);
        const auto it = entries_.find(key);
        if (it == entries_.end()) return std::nullopt;
        return it->second;
    }

    // Taken before reading a row from the database, and given back to insert() with what was read.
    std::uint64_t epoch() const {
        std::shared_lock lock(mutex_);
        return epoch_;
    }

    // Keeps a row read in the database after `read_epoch` was taken, unless an erase_if ran since.
    void insert(std::string key, Value value, std::uint64_t read_epoch) {
        std::unique_lock lock(mutex_);
        if (read_epoch != epoch_) return;
        if (entries_.size() >= max_entries_) entries_.clear();
        entries_.insert_or_assign(std::move(key), std::move(value));
    }

    // Keeps a row just written, which nobody can have read before.
    void insert_new(std::string key, Value value) { insert(std::move(key), std::move(value), epoch()); }

    // Drops every entry for which stale(key, value) holds; called after the commit that changed them.
    template <class Predicate>
    void erase_if(Predicate stale) {
        std::unique_lock lock(mutex_);
        ++epoch_;
        std::erase_if(entries_, [&](const auto& entry) { return stale(entry.first, entry.second); });
    }

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    const std::size_t max_entries_;
    mutable std::shared_mutex mutex_;
    std::uint64_t epoch_ = 0;  // guarded by mutex_
    std::unordered_map<std::string, Value, Hash, std::equal_to<>> entries_;
};

}  // namespace synclatch::server
