// with_postgres COMMAND [ARGS...]: runs COMMAND with a private PostgreSQL cluster (tests/support/
// postgres_cluster.hpp) for its servers, and removes the cluster afterwards. COMMAND finds the cluster's
// `postgres` database in $SYNCLATCH_TEST_PG_URL and makes a database of its own there for each server it
// starts (tests/interop/server.mjs does). Exits with COMMAND's status (128 + signal when killed by one).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <vector>

#include "support/postgres_cluster.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: with_postgres COMMAND [ARGS...]\n");
        return 2;
    }
    try {
        synclatch::test::PostgresCluster cluster;
        ::setenv("SYNCLATCH_TEST_PG_URL", cluster.url().c_str(), 1);
        const pid_t child = ::fork();
        if (child < 0) {
            std::perror("with_postgres: fork");
            return 1;
        }
        if (child == 0) {
            ::execvp(argv[1], argv + 1);
            std::perror("with_postgres: cannot run the command");
            ::_exit(127);
        }
        int status = 0;
        while (::waitpid(child, &status, 0) < 0) {
        }
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "with_postgres: %s\n", e.what());
        return 1;
    }
}
