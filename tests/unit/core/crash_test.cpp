// Durability: a child process writes and reports each committed write; it is killed with SIGKILL at a
// random moment; every reported write must be in the reopened store, which must pass integrity_check.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/sqlite/database.hpp"

extern char** environ;

using namespace synclatch::core;

namespace {

struct Child {
    pid_t pid = -1;
    int out = -1;
};

Child start_writer(const std::string& path, const std::string& tag) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    std::vector<std::string> args = {SYNCLATCH_CRASH_WRITER, path, tag};
#ifdef SYNCLATCH_TEST_EMULATOR  // a cross build's tests run under an emulator, and so must the writer
    args.insert(args.begin(), SYNCLATCH_TEST_EMULATOR);
#endif
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    Child child;
    const int rc = posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    REQUIRE(rc == 0);
    child.out = pipe_fds[0];
    return child;
}

// Reads what the child reported until `until` passes (then kills it) and the pipe closes.
std::string read_until_killed(Child& child, std::chrono::steady_clock::time_point until) {
    std::string output;
    bool killed = false;
    char buffer[4096];
    for (;;) {
        if (!killed && std::chrono::steady_clock::now() >= until) {
            ::kill(child.pid, SIGKILL);
            killed = true;
        }
        pollfd pfd{child.out, POLLIN, 0};
        if (::poll(&pfd, 1, 5) < 0) continue;
        if ((pfd.revents & (POLLIN | POLLHUP)) == 0) continue;
        const ssize_t n = ::read(child.out, buffer, sizeof buffer);
        if (n <= 0) break;  // the killed child's end of the pipe is closed
        output.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(child.out);
    int status = 0;
    ::waitpid(child.pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGKILL);
    return output;
}

}  // namespace

TEST_CASE("Durability: every write reported before SIGKILL survives", "[core][durability]") {
    const auto seed = std::random_device{}();
    INFO("seed " << seed);
    std::mt19937 random(seed);
    synclatch::test::TempDir dir;
    const std::string path = dir.file("crash.db");
    long total_reported = 0;

    for (int round = 0; round < 5; ++round) {
        INFO("round " << round);
        const std::string tag = "round" + std::to_string(round);
        Child child = start_writer(path, tag);
        const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(30, 400)(random));
        const std::string output = read_until_killed(child, std::chrono::steady_clock::now() + delay);

        StoreOptions options;
        options.path = path;
        auto store = LocalStore::open(options);
        REQUIRE(store.ok());
        auto crash = (*store)->open_or_create_dataset("crash").value();
        std::istringstream lines(output);
        std::string kind;
        long n = 0;
        long reported = 0;
        while (lines >> kind >> n) {
            ++reported;
            if (kind == "put") {
                CHECK(crash.get("put-" + std::to_string(n)).value() == tag + "-" + std::to_string(n));
            } else {
                for (int k = 0; k < 3; ++k) {
                    CHECK(crash.get("batch-" + std::to_string(n) + "-" + std::to_string(k)).value() ==
                          tag + "-" + std::to_string(n));
                }
            }
        }
        total_reported += reported;
        // The dataset's bookkeeping must agree with its records after the crash too.
        auto all = crash.get_all().value();
        CHECK(crash.metadata()->record_count == static_cast<std::int64_t>(all.size()));
        store->reset();

        sqlite::Database raw(path, {});
        sqlite::StatementScope check(raw.cached("PRAGMA integrity_check"));
        REQUIRE(check->step());
        CHECK(check->column_string(0) == "ok");
    }
    CHECK(total_reported > 0);  // the child did get to write before being killed
}
