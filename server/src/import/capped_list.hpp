// What an import reports by the line (datasets left as they were, notes, differences): the first
// kMaxShown kept, every one counted. A pool of millions of identities, or a source that answers oddly,
// cannot grow a report past that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace synclatch::server {

template <class T>
struct CappedList {
    static constexpr std::size_t kMaxShown = 100;
    std::vector<T> shown;    // the first kMaxShown
    std::int64_t total = 0;  // all of them

    void add(T item) {
        ++total;
        if (shown.size() < kMaxShown) shown.push_back(std::move(item));
    }
    bool empty() const { return total == 0; }
    std::int64_t not_shown() const { return total - static_cast<std::int64_t>(shown.size()); }
};

}  // namespace synclatch::server
