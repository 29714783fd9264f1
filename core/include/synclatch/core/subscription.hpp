// Subscription: the handle that keeps a change callback registered; dropping it unregisters the callback.
#pragma once

#include <memory>

namespace synclatch::core {

namespace detail {
class ChangeDispatcher;
struct Subscriber;
}  // namespace detail

// Move-only RAII handle returned by Dataset::on_change.
// Thread-safety: reset() and the destructor may run on any thread, also inside the callback itself.
// After reset() returns, the callback is not started again; a call already running on another
// thread finishes.
class Subscription {
  public:
    Subscription() = default;
    Subscription(std::weak_ptr<detail::ChangeDispatcher> dispatcher,
                 std::shared_ptr<detail::Subscriber> subscriber);
    Subscription(Subscription&&) noexcept = default;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

    void reset();
    bool active() const noexcept { return subscriber_ != nullptr; }

  private:
    std::weak_ptr<detail::ChangeDispatcher> dispatcher_;
    std::shared_ptr<detail::Subscriber> subscriber_;
};

}  // namespace synclatch::core
