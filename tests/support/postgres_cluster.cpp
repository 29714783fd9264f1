// initdb, the postmaster as a child of the test process, and its end.
//
// Two choices, and why:
// - The postmaster is started directly (`postgres -D ... -c ...`, the options pg_ctl -o would pass), as
//   our child, not through `pg_ctl start`: pg_ctl detaches it (setsid, and its parent exits), and an
//   orphan's exit status is collected by PID 1. Where PID 1 does not collect it (this VM's init, many
//   container inits), a postmaster killed by kill_hard() stays a zombie, kill(pid, 0) still finds it, and
//   the next start refuses its postmaster.pid ("lock file already exists"). As our child it is reaped by
//   us, and its pid is the one kill_hard() must hit. Readiness is what `pg_ctl -w` checks: the status
//   line of postmaster.pid says "ready".
// - Run as root, initdb and postgres run as the existing user `nobody` (no user is created on the
//   machine), switched to by fork + setgid/setuid before exec rather than by `runuser`: runuser stays as
//   the parent (with a PAM session) of what it runs, so the pid we hold would be runuser's, and a SIGKILL
//   meant for the postmaster would leave the server running.
#include "support/postgres_cluster.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/server_process.hpp"

namespace synclatch::test {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kFallbackBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kUnprivilegedUser = "nobody";

// Where initdb, postgres and createdb are: pg_config's bindir when it has them (Debian's pg_config says
// /usr/lib/postgresql/15/bin), else Debian's PostgreSQL 15 folder.
std::string find_bin_dir() {
    try {
        const auto output = run_process({"/usr/bin/pg_config", "--bindir"}, std::chrono::seconds(10));
        std::string dir = output.out;
        while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' '))
            dir.pop_back();
        if (output.exit_code == 0 && !dir.empty() && fs::exists(fs::path(dir) / "initdb")) return dir;
    } catch (const std::exception&) {
        // no pg_config: the fallback
    }
    return kFallbackBinDir;
}

// Starts args[0] as our child with stdout and stderr appended to `log`, in `cwd`, as run_uid/run_gid when
// switch_user. Only async-signal-safe calls between fork and exec (the test process has threads).
pid_t spawn(std::vector<std::string> args, const std::string& log, const std::string& cwd, bool switch_user,
            uid_t run_uid, gid_t run_gid) {
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("cannot fork to start " + args[0]);
    if (pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0 ||
            ::dup2(out, STDERR_FILENO) < 0 || ::chdir(cwd.c_str()) != 0)
            ::_exit(126);
        if (switch_user &&
            (::setgroups(0, nullptr) != 0 || ::setgid(run_gid) != 0 || ::setuid(run_uid) != 0)) {
            constexpr const char kMessage[] = "postgres_cluster: cannot switch to the unprivileged user\n";
            [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
            ::_exit(126);
        }
        // A test process that dies (a ctest timeout's SIGKILL) takes its server with it rather than leave it
        // running. After the switch: changing the user clears the setting.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
        ::execv(argv[0], argv.data());
        constexpr const char kMessage[] = "postgres_cluster: cannot exec\n";
        [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        ::_exit(127);
    }
    return pid;
}

// Waits for pid until the deadline: its exit status as from waitpid, or nothing (still running).
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return status;
        if (done < 0) return -1;  // not our child any more: nothing to wait for
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// The status line of postmaster.pid (its 8th line: "starting", "ready", "stopping") when the file is
// `pid`'s, else "" (a file left by a killed postmaster still says "ready").
std::string postmaster_status(const std::string& data_dir, pid_t pid) {
    std::ifstream in(data_dir + "/postmaster.pid");
    std::string line;
    for (int i = 0; i < 8 && std::getline(in, line); ++i) {
        if (i == 0 && line != std::to_string(pid)) return "";
        if (i == 7) {
            line.erase(std::find_if(line.rbegin(), line.rend(), [](char c) { return c != ' '; }).base(),
                       line.end());
            return line;
        }
    }
    return "";
}

bool valid_database_name(const std::string& name) {
    return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

}  // namespace

PostgresCluster::PostgresCluster()
    : bin_dir_(find_bin_dir()), data_dir_(dir_.file("data")), log_file_(dir_.file("postgres.log")) {
    if (::geteuid() == 0) {
        const passwd* user = ::getpwnam(kUnprivilegedUser);
        if (user == nullptr)
            throw std::runtime_error(std::string("PostgresCluster: running as root, and there is no user ") +
                                     kUnprivilegedUser + " to run PostgreSQL as (initdb refuses root)");
        switch_user_ = true;
        run_uid_ = user->pw_uid;
        run_gid_ = user->pw_gid;
        if (::chown(dir_.path().c_str(), run_uid_, run_gid_) != 0)
            throw std::runtime_error(std::string("PostgresCluster: cannot give ") + dir_.path().string() +
                                     " to " + kUnprivilegedUser + ": " + std::strerror(errno));
    }

    // initdb is most of a start's time, and every test process makes a cluster: the data folder is copied
    // from a template that the first cluster on the machine made (template_data_dir).
    const std::string made = template_data_dir();
    const auto copied = run_process({"/bin/cp", "-a", made, data_dir_}, std::chrono::seconds(60));
    if (copied.exit_code != 0)
        throw std::runtime_error("PostgresCluster: cannot copy " + made + ": " + copied.err);

    // The server listens on a Unix socket in the cluster's folder only, never on TCP: its port number only
    // names the socket, so it cannot take a loopback port that a test's server process was about to bind.
    port_ = 5432;
    url_ = database_url("postgres");
    start();
}

std::string PostgresCluster::template_data_dir() const {
    // One per PostgreSQL installation and user the server runs as; a folder that is there is complete: it is
    // made under another name and renamed into place.
    const auto root = std::filesystem::temp_directory_path() /
                      ("synclatch-pg-template-" + std::to_string(std::hash<std::string>{}(bin_dir_)) + "-" +
                       std::to_string(switch_user_ ? run_uid_ : ::geteuid()));
    const std::string ready = (root / "data").string();
    if (std::filesystem::exists(ready)) return ready;
    std::filesystem::create_directories(root);
    if (switch_user_ && ::chown(root.c_str(), run_uid_, run_gid_) != 0)
        throw std::runtime_error("PostgresCluster: cannot give " + root.string() + " to " +
                                 kUnprivilegedUser);
    const std::string making = (root / ("making-" + std::to_string(::getpid()))).string();
    // --no-sync and trust: a throwaway cluster, for tests only. UTF8 with the C locale: the same on every
    // machine, whatever its environment's locale.
    const pid_t initdb = spawn({bin_dir_ + "/initdb", "-D", making, "-A", "trust", "-U", "synclatch",
                                "--no-sync", "-E", "UTF8", "--locale=C"},
                               log_file_, root.string(), switch_user_, run_uid_, run_gid_);
    const auto status = wait_until(initdb, Clock::now() + kInitTimeout);
    if (!status) kill_process(initdb);
    if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
        std::filesystem::remove_all(making);
        throw std::runtime_error(std::string("PostgresCluster: initdb failed") +
                                 (status ? "" : " (killed after the timeout)") + ":\n" + log_tail());
    }
    std::error_code raced;
    std::filesystem::rename(making, ready, raced);  // another process may have won: its copy is as good
    if (raced) std::filesystem::remove_all(making);
    return ready;
}

PostgresCluster::~PostgresCluster() {
    stop();
}

PostgresCluster& PostgresCluster::shared() {
    static PostgresCluster cluster;  // thread-safe initialization; destroyed (stopped) at exit
    return cluster;
}

std::string PostgresCluster::create_database(const std::string& name) {
    if (!valid_database_name(name)) throw std::invalid_argument("PostgresCluster: bad database name " + name);
    const auto output = run_process({bin_dir_ + "/createdb", "-h", dir_.path().string(), "-p",
                                     std::to_string(port_), "-U", "synclatch", "--", name},
                                    std::chrono::seconds(30));
    if (output.exit_code != 0)
        throw std::runtime_error("PostgresCluster: createdb " + name + " failed: " + output.err);
    return database_url(name);
}

std::string PostgresCluster::database_url(const std::string& name) const {
    std::string url = "postgresql://synclatch@/";
    url.append(name)
        .append("?host=")
        .append(dir_.path().string())
        .append("&port=")
        .append(std::to_string(port_));
    return url;
}

void PostgresCluster::kill_hard() {
    if (postmaster_ < 0) return;
    kill_process(postmaster_);  // SIGKILL, then reaped: no zombie keeps its pid alive in postmaster.pid
    postmaster_ = -1;
}

void PostgresCluster::restart() {
    stop();
    start();
}

void PostgresCluster::start() {
    const auto deadline = Clock::now() + kStartTimeout;
    for (;;) {
        postmaster_ = spawn(
            {bin_dir_ + "/postgres", "-D", data_dir_, "-c", "listen_addresses=", "-p", std::to_string(port_),
             "-c", std::string("unix_socket_directories=") + dir_.path().string(), "-c", "fsync=on"},
            log_file_, dir_.path().string(), switch_user_, run_uid_, run_gid_);
        // Ready, or ended, or out of time.
        for (;;) {
            if (postmaster_status(data_dir_, postmaster_) == "ready") return;
            int status = 0;
            if (::waitpid(postmaster_, &status, WNOHANG) == postmaster_) {
                postmaster_ = -1;
                break;
            }
            if (Clock::now() >= deadline) {
                kill_process(postmaster_);
                postmaster_ = -1;
                throw std::runtime_error(std::string("PostgresCluster: the server was not ready within ") +
                                         std::to_string(kStartTimeout.count()) + " s:\n" + log_tail());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        // It ended before it was ready. After kill_hard() the old server's processes may still be ending
        // (the new postmaster refuses while they hold its shared memory): try again until the deadline.
        if (Clock::now() >= deadline)
            throw std::runtime_error(std::string("PostgresCluster: the server did not start:\n") +
                                     log_tail());
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void PostgresCluster::stop() noexcept {
    if (postmaster_ < 0) return;
    // SIGQUIT is pg_ctl's immediate shutdown: the postmaster ends its processes and exits without a
    // checkpoint (the next start recovers); the data is thrown away or restarted.
    ::kill(postmaster_, SIGQUIT);
    if (!wait_until(postmaster_, Clock::now() + kStopTimeout)) kill_process(postmaster_);
    postmaster_ = -1;
}

std::string PostgresCluster::log_tail() const {
    const std::string log = read_file(log_file_);
    constexpr std::size_t kTail = 3000;
    return log.size() <= kTail ? log : std::string("...") + log.substr(log.size() - kTail);
}

}  // namespace synclatch::test
