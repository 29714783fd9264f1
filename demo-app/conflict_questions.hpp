// ConflictQuestions: how a sync, on the client's sync thread, asks the GUI thread which side of a conflict
// stays, and waits for the answer without ever blocking the GUI.
#pragma once

#include <QString>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

namespace synclatch::demo {

enum class ConflictChoice { keep_mine, take_theirs, edited, postponed };

struct ConflictAnswer {
    ConflictChoice choice = ConflictChoice::postponed;
    QString value;  // for ConflictChoice::edited
};

// Thread-safety: ask() runs on the sync thread, answer() and close() on the GUI thread. One question at a
// time (a client runs one sync at a time).
class ConflictQuestions {
  public:
    // Runs post_question (which queues the question to the GUI thread), then waits for answer() or
    // close(); after close() every question is answered `postponed` at once.
    ConflictAnswer ask(const std::function<void()>& post_question);
    void answer(ConflictAnswer answer);
    void close();

  private:
    std::mutex mutex_;
    std::condition_variable answered_;
    std::optional<ConflictAnswer> answer_;  // guarded by mutex_
    bool closed_ = false;                   // guarded by mutex_
};

}  // namespace synclatch::demo
