// Errors as values: the one error-code enum of synclatch and the Status that carries it with a message.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace synclatch {

// Every expected failure in synclatch has one of these codes. Programmer errors assert instead.
enum class Errc {
    ok = 0,
    invalid_argument,  // bad input (name, key, value, identity); repeating the call cannot help
    not_found,         // the dataset, record or identity does not exist
    conflict,          // a sync count was stale (Cognito's ResourceConflictException)
    limit_exceeded,    // a quota (records, bytes, datasets) would be exceeded
    unauthorized,      // credentials missing, wrong or for another identity
    unavailable,       // the server or network cannot be reached now
    timeout,           // a deadline passed before the operation finished
    busy,              // the database is locked by another writer
    throttled,         // the server asked us to slow down
    cancelled,         // the caller cancelled the operation
    storage,           // the local database could not be read or written (disk full, read-only, I/O)
    corrupt,           // the local database file is damaged
    internal,          // a bug or an unexpected state; report it
};

// Name of a code as written in logs and messages ("invalid_argument").
std::string_view to_string(Errc code) noexcept;

// True for codes where repeating the same call later, unchanged, may succeed:
// unavailable, timeout, busy and throttled. A conflict is not: it needs a fresh pull first.
bool is_retryable(Errc code) noexcept;

// An outcome: ok, or an error code with a human-readable message.
// Thread-safety: a value type; distinct objects may be used from different threads freely.
class [[nodiscard]] Status {
  public:
    Status() = default;  // ok
    Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

    bool ok() const noexcept { return code_ == Errc::ok; }
    explicit operator bool() const noexcept { return ok(); }
    Errc code() const noexcept { return code_; }
    const std::string& message() const noexcept { return message_; }
    bool retryable() const noexcept { return is_retryable(code_); }

    // "invalid_argument: key is empty", or "ok".
    std::string to_string() const;

    // Marks a status as deliberately not inspected.
    void ignore() const noexcept {}

  private:
    Errc code_ = Errc::ok;
    std::string message_;
};

}  // namespace synclatch
