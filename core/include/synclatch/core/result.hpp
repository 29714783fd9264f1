// Result<T>: a value of T, or the Status that says why there is none.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "synclatch/core/status.hpp"

namespace synclatch {

// Either a T or a failed Status, never both (std::expected is C++23; this is its small C++20 cousin).
// Thread-safety: a value type, like T.
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}        // NOLINT: implicit by design
    Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT
        assert(!std::get<1>(v_).ok() && "Result needs a value or a failed Status");
    }

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    // The error, or an ok Status when there is a value.
    Status status() const { return ok() ? Status{} : std::get<1>(v_); }

    T& value() & {
        assert(ok() && "value() of a failed Result");
        return std::get<0>(v_);
    }
    const T& value() const& {
        assert(ok() && "value() of a failed Result");
        return std::get<0>(v_);
    }
    // By value, not T&&: `for (auto& x : make_result().value())` must not dangle (C++20 range-for does
    // not extend the temporary's lifetime).
    T value() && {
        assert(ok() && "value() of a failed Result");
        return std::get<0>(std::move(v_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    std::variant<T, Status> v_;
};

}  // namespace synclatch
