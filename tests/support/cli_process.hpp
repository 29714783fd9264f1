// CliProcess: runs the synclatch CLI (SYNCLATCH_CLI_BINARY) as a child process for tests, capturing its
// output, or starts it in the background so that a test can kill it mid-way.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace synclatch::test {

struct CliRun {
    int exit_code = -1;  // -1: it did not exit normally
    std::string out;
    std::string err;
};

// Runs the CLI with args, stdin from `input`, and waits for it (at most 60 s, then it is killed).
CliRun run_cli(const std::vector<std::string>& args, const std::string& input = "");

// Starts the CLI with args (output discarded) and returns its pid; the caller waits for or kills it.
pid_t start_cli(const std::vector<std::string>& args);
// SIGKILL, then reaps it.
void kill_cli(pid_t pid);
// Waits for it; its exit code, or -1 when it did not exit normally.
int wait_cli(pid_t pid);

}  // namespace synclatch::test
