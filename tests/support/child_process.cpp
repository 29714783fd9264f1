// posix_spawn with stdin/stdout/stderr redirected to files.
#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

extern char** environ;

namespace synclatch::test {

namespace {

pid_t spawn(std::vector<std::string> args, const std::string& in, const std::string& out,
            const std::string& err) {
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("cannot start ") + argv[0]);
    return pid;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

ProcessOutput run_process(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                          const std::string& input) {
    TempDir dir;
    const auto in = dir.file("stdin");
    std::ofstream(in, std::ios::binary) << input;
    const pid_t pid = spawn(args, in, dir.file("stdout"), dir.file("stderr"));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    bool killed = false;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill_process(pid);
            killed = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ProcessOutput output;
    output.exit_code = !killed && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    output.out = read_file(dir.file("stdout"));
    output.err = read_file(dir.file("stderr"));
    if (killed) output.err += "\n(killed after " + std::to_string(timeout.count()) + " ms)";
    return output;
}

pid_t start_process(const std::vector<std::string>& args) {
    return spawn(args, "/dev/null", "/dev/null", "/dev/null");
}

void kill_process(pid_t pid) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
}

}  // namespace synclatch::test
