// Subscription: unregisters its callback from the dispatcher when reset or destroyed.
#include "synclatch/core/subscription.hpp"

#include "change_dispatcher.hpp"

namespace synclatch::core {

Subscription::Subscription(std::weak_ptr<detail::ChangeDispatcher> dispatcher,
                           std::shared_ptr<detail::Subscriber> subscriber)
    : dispatcher_(std::move(dispatcher)), subscriber_(std::move(subscriber)) {}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
    if (this != &other) {
        reset();
        dispatcher_ = std::move(other.dispatcher_);
        subscriber_ = std::move(other.subscriber_);
    }
    return *this;
}

Subscription::~Subscription() {
    reset();
}

void Subscription::reset() {
    if (!subscriber_) return;
    subscriber_->active.store(false, std::memory_order_release);
    if (auto dispatcher = dispatcher_.lock()) dispatcher->remove(subscriber_.get());
    subscriber_.reset();
    dispatcher_.reset();
}

}  // namespace synclatch::core
