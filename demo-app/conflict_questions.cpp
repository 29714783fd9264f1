// A one-slot mailbox between the sync thread and the GUI thread.
#include "conflict_questions.hpp"

namespace synclatch::demo {

ConflictAnswer ConflictQuestions::ask(const std::function<void()>& post_question) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return {};
        answer_.reset();
    }
    post_question();
    std::unique_lock lock(mutex_);
    answered_.wait(lock, [this] { return closed_ || answer_.has_value(); });
    if (closed_) return {};
    return *std::exchange(answer_, std::nullopt);
}

void ConflictQuestions::answer(ConflictAnswer answer) {
    {
        std::lock_guard lock(mutex_);
        answer_ = std::move(answer);
    }
    answered_.notify_all();
}

void ConflictQuestions::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    answered_.notify_all();
}

}  // namespace synclatch::demo
