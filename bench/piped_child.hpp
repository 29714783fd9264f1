// PipedChild: a benchmark's child process (a device, a load generator, a Node.js peer) with its stdin and
// stdout on pipes and stderr shared with ours; the coordinator writes it commands a line at a time and
// reads its output line by line, with poll, so that it can wait on many children at once.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace synclatch::bench {

class PipedChild {
  public:
    // args[0]: a path (or, with search_path, a name looked up in PATH). Throws when it cannot start.
    explicit PipedChild(std::vector<std::string> args, bool search_path = false);
    ~PipedChild();  // SIGKILL, if it still runs, and reaps it
    PipedChild(const PipedChild&) = delete;
    PipedChild& operator=(const PipedChild&) = delete;

    // One line to its stdin; throws when it is gone.
    void send(const std::string& line);
    void close_input();
    // Waits up to `timeout` for it to exit, then kills it; returns the waitpid status.
    int wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Its output's descriptor, to poll; pump() reads what is there (call when poll says so).
    int fd() const { return from_child_; }
    void pump();
    bool at_end() const { return eof_ && lines_.empty(); }
    // A line read already, if any (without the newline).
    std::optional<std::string> take_line();
    // The next line, waiting at most `timeout`; throws at its end or after the timeout.
    std::string read_line(std::chrono::milliseconds timeout);
    // Everything up to its end, waiting at most `timeout` in all (what came by then when it is late).
    std::string read_all(std::chrono::milliseconds timeout);

  private:
    std::string name_;
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    std::string partial_;
    std::deque<std::string> lines_;
    bool eof_ = false;
};

}  // namespace synclatch::bench
