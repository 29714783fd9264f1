// PostgresCluster: a private PostgreSQL 15 server for one test run, in a temp folder, reached through a
// Unix socket there (no TCP port), removed with its data when the object goes. For the tests of the
// PostgreSQL store.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "support/temp_dir.hpp"

namespace synclatch::test {

// Thread-safety: none; one test thread drives it, and must outlive it (the server gets SIGKILL when the
// thread that started it ends, so that a killed test process leaves no server behind). The server serves
// any number of connections from any threads.
class PostgresCluster {
  public:
    // How long initdb, a start and a stop may take before the cluster gives up on them.
    static constexpr std::chrono::seconds kInitTimeout{120};
    static constexpr std::chrono::seconds kStartTimeout{30};
    static constexpr std::chrono::seconds kStopTimeout{30};

    // Makes a cluster (initdb, trust authentication for the superuser "synclatch", no fsync while making
    // it; in fact a copy of the first one made on this machine) and starts its server; throws
    // std::runtime_error, with the tail of the log, when either fails or the server is not ready within
    // kStartTimeout. Run as root, the server runs as the user `nobody` (initdb and postgres refuse root).
    PostgresCluster();
    // Stops the server (immediate shutdown, as `pg_ctl stop -m immediate`), then removes the folder.
    ~PostgresCluster();
    PostgresCluster(const PostgresCluster&) = delete;
    PostgresCluster& operator=(const PostgresCluster&) = delete;

    // One cluster for the whole test executable, started on first use and stopped at exit: initdb and a
    // start take seconds, too long to pay for every test case. Tests that share it each work in their own
    // database (create_database); a test that kills or restarts the server makes its own cluster.
    static PostgresCluster& shared();

    // The port number that names the server's socket (not a TCP port).
    unsigned short port() const { return port_; }
    // postgresql://synclatch@/postgres?host=FOLDER&port=PORT
    const std::string& url() const { return url_; }
    // Creates the database `name` (lowercase letters, digits and '_'; throws otherwise, or when createdb
    // fails) and returns its URL.
    std::string create_database(const std::string& name);

    // SIGKILL to the postmaster, as a crash would; the server's other processes end by themselves once
    // they notice (connections then break). The data stays for restart().
    void kill_hard();
    // Starts the server again on the same port and data (stopping it first if it runs), and waits until it
    // is ready, as the constructor does. Retries a start that fails while the old server's processes are
    // still ending, until kStartTimeout.
    void restart();

  private:
    // An initdb'd data folder to copy (made on first use, kept in the temp folder for later runs).
    std::string template_data_dir() const;
    void start();
    void stop() noexcept;
    std::string log_tail() const;
    std::string database_url(const std::string& name) const;

    TempDir dir_;  // first: removed after the server has stopped
    std::string bin_dir_;
    std::string data_dir_;
    std::string log_file_;
    bool switch_user_ = false;  // running as root: the server runs as run_uid_/run_gid_
    uid_t run_uid_ = 0;
    gid_t run_gid_ = 0;
    unsigned short port_ = 0;
    std::string url_;
    pid_t postmaster_ = -1;  // our child while it runs; -1 when stopped
};

}  // namespace synclatch::test
