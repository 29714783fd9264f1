// Transaction: a scoped SQLite transaction with an explicit state. It rolls back in its destructor while
// still active, so an exception or an early return never leaves half a write behind.
#pragma once

#include "synclatch/sqlite/database.hpp"

namespace synclatch::core::sqlite {

class Transaction {
  public:
    enum class Mode { deferred, immediate };  // immediate: take the write lock now (writers)
    enum class State { active, committed, rolled_back };

    explicit Transaction(Database& db, Mode mode = Mode::immediate);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();    // throws SqliteError; the state stays active when COMMIT fails
    void rollback();  // idempotent once rolled back; asserts when already committed
    State state() const noexcept { return state_; }

  private:
    Database& db_;
    State state_ = State::active;
};

}  // namespace synclatch::core::sqlite
