// Transaction state machine: active -> committed, or active -> rolled_back.
#include "synclatch/sqlite/transaction.hpp"

#include <cassert>

namespace synclatch::core::sqlite {

Transaction::Transaction(Database& db, Mode mode) : db_(db) {
    db_.run_cached(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (state_ != State::active) return;
    try {
        rollback();
    } catch (...) {
        // SQLite rolls back on its own when ROLLBACK itself fails (the transaction is then gone);
        // a destructor must not throw.
    }
}

void Transaction::commit() {
    assert(state_ == State::active && "commit() of a finished transaction");
    db_.run_cached("COMMIT");
    state_ = State::committed;
}

void Transaction::rollback() {
    assert(state_ != State::committed && "rollback() of a committed transaction");
    if (state_ == State::rolled_back) return;
    state_ = State::rolled_back;  // recorded first: a failed ROLLBACK must not be retried by the destructor
    if (db_.in_transaction()) db_.run_cached("ROLLBACK");
}

}  // namespace synclatch::core::sqlite
