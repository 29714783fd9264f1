// ImmutableCache: an in-memory copy of rows that never change once written (an identity's pool, issued
// credentials), so that authorizing a request costs no database read. Bounded: when full it starts over,
// which costs a few reads again, never a wrong answer.
#pragma once

#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synclatch::server {

// Thread-safety: every method may be called from any thread concurrently.
template <class Value>
class ImmutableCache {
  public:
    explicit ImmutableCache(std::size_t max_entries) : max_entries_(max_entries) {}

    std::optional<Value> find(std::string_view key) const {
        std::shared_lock lock(mutex_);
        const auto it = entries_.find(key);
        if (it == entries_.end()) return std::nullopt;
        return it->second;
    }

    void insert(std::string key, Value value) {
        std::unique_lock lock(mutex_);
        if (entries_.size() >= max_entries_) entries_.clear();
        entries_.insert_or_assign(std::move(key), std::move(value));
    }

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    const std::size_t max_entries_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Value, Hash, std::equal_to<>> entries_;
};

}  // namespace synclatch::server
