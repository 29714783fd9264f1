// ServerProcess: runs the real synclatch-server on a free loopback port with a temp data dir, for
// integration tests; stops it with SIGTERM (or kills it) when asked or when the test ends.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace synclatch::test {

class ServerProcess {
  public:
    // Starts SYNCLATCH_SERVER_BINARY with --listen 127.0.0.1:0 --data data_dir plus extra_args, and waits
    // for its "listening on" line; throws std::runtime_error when it does not come within 10 s.
    // port: listen there instead of on any free port (for servers that must be found again after a restart).
    // launcher: a command the server runs under (its arguments first, then the server's), e.g. nsenter.
    ServerProcess(const std::string& data_dir, std::vector<std::string> extra_args, unsigned short port = 0,
                  std::vector<std::string> launcher = {});
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    unsigned short port() const { return port_; }
    pid_t pid() const { return pid_; }
    // SIGTERM, then waits; returns the exit status (as from waitpid) or -1 after a 10 s timeout.
    int terminate();
    void kill_hard();  // SIGKILL, then waits

  private:
    pid_t pid_ = -1;
    unsigned short port_ = 0;
};

// Resident memory of a process (VmRSS in /proc/PID/status), in bytes; 0 when it cannot be read.
std::size_t resident_bytes(pid_t pid);

// A loopback port free right now (bound, then released), for a server that must keep its port.
unsigned short free_loopback_port();

}  // namespace synclatch::test
