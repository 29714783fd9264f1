/* A synclatch-server process for the C programs' tests (test_server.h). */
#define _POSIX_C_SOURCE 200809L

#include "test_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server_pid = -1;

int start_server(const char* data_dir, const char* flag, const char* value, char* endpoint,
                 size_t endpoint_size) {
    const char* binary = getenv("SYNCLATCH_SERVER_BINARY");
    if (binary == NULL) {
        fprintf(stderr, "set SYNCLATCH_SERVER_BINARY\n");
        return 0;
    }
    int out[2];
    if (pipe(out) != 0) return 0;
    server_pid = fork();
    if (server_pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* a test that dies (a failed sanitizer check) takes it along */
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        if (flag == NULL)
            execl(binary, binary, "--listen", "127.0.0.1:0", "--data", data_dir, "--auth", "sigv4", "--admin-key",
                  "ADMINKEY:admin-secret", "--log-level", "warn", (char*)NULL);
        else
            execl(binary, binary, "--listen", "127.0.0.1:0", "--data", data_dir, "--auth", "sigv4", "--admin-key",
                  "ADMINKEY:admin-secret", "--log-level", "warn", flag, value, (char*)NULL);
        _exit(127);
    }
    close(out[1]);
    FILE* lines = fdopen(out[0], "r");
    char line[512];
    int found = 0;
    while (!found && lines != NULL && fgets(line, sizeof line, lines) != NULL) {
        const char* at = strstr(line, "127.0.0.1:");
        if (at != NULL) {
            int port = atoi(at + strlen("127.0.0.1:"));
            snprintf(endpoint, endpoint_size, "http://127.0.0.1:%d", port);
            found = port > 0;
        }
    }
    /* The server keeps writing to its stdout: leave the pipe open (closed when the test exits). */
    return found;
}

void stop_server(void) {
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
}
