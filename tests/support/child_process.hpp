// Child processes for tests: run a program to completion capturing its output (killed at a timeout), or
// start one in the background so that a test can kill it mid-way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace synclatch::test {

struct ProcessOutput {
    int exit_code = -1;  // -1: it did not exit by itself (killed at the timeout, or by a signal)
    std::string out;
    std::string err;
};

// Runs args[0] with args, stdin from `input`, and waits for it; SIGKILL when it outlives the timeout.
// Output goes through files in a temp folder (no pipes to drain). Throws when it cannot start.
ProcessOutput run_process(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                          const std::string& input = "");

// Starts args[0] with args (no input, output discarded) and returns its pid.
pid_t start_process(const std::vector<std::string>& args);
// SIGKILL, then reaps it.
void kill_process(pid_t pid);

}  // namespace synclatch::test
