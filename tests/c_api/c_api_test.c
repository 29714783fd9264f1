/* The C API (synclatch.h) from C, against a real synclatch-server ($SYNCLATCH_SERVER_BINARY, SigV4, its
 * admin key known to the test): two devices of one identity share a record whose value holds a NUL byte
 * and see its removal; bad arguments, a server that is not there and a missing record give the documented
 * answers; every handle released leaves none alive. Under the sanitizer build it runs leak-checked. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "synclatch/synclatch.h"

static int failures = 0;

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

static const char* const kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

/* The server: started with its stdout on a pipe, read until it says where it listens. */
static pid_t server_pid = -1;

static int start_server(const char* data_dir, char* endpoint, size_t endpoint_size) {
    const char* binary = getenv("SYNCLATCH_SERVER_BINARY");
    if (binary == NULL) {
        fprintf(stderr, "set SYNCLATCH_SERVER_BINARY\n");
        return 0;
    }
    int out[2];
    if (pipe(out) != 0) return 0;
    server_pid = fork();
    if (server_pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        close(out[1]);
        execl(binary, binary, "--listen", "127.0.0.1:0", "--data", data_dir, "--auth", "sigv4", "--admin-key",
              "ADMINKEY:admin-secret", "--log-level", "warn", (char*)NULL);
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

static void stop_server(void) {
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
}

static sl_client* open_client(const char* endpoint, const char* dir, const char* identity, sl_error* error) {
    sl_client_options options;
    memset(&options, 0, sizeof options);
    options.endpoint = endpoint;
    options.identity_pool_id = kPool;
    options.data_dir = dir;
    options.request_deadline_ms = 5000;
    options.app_reports_connectivity = true;
    if (identity != NULL) {
        options.developer_access_key_id = "ADMINKEY";
        options.developer_secret_access_key = "admin-secret";
        options.developer_identity_id = identity;
    }
    sl_client* client = sl_client_open(&options, error);
    if (client == NULL) fprintf(stderr, "sl_client_open(%s): %d %s\n", dir, error->code, error->message);
    return client;
}

static void bad_arguments(const char* endpoint, const char* dir) {
    sl_error error;
    CHECK(sl_client_open(NULL, &error) == NULL && error.code == SL_INVALID_ARGUMENT);
    CHECK(strstr(error.message, "options") != NULL);
    CHECK(sl_client_open(NULL, NULL) == NULL); /* no error struct: still no crash */

    sl_client_options options;
    memset(&options, 0, sizeof options);
    options.endpoint = endpoint;
    options.data_dir = dir;
    CHECK(sl_client_open(&options, &error) == NULL && error.code == SL_INVALID_ARGUMENT);
    CHECK(strstr(error.message, "identity_pool_id") != NULL);
    options.identity_pool_id = kPool;
    options.endpoint = "ftp://nowhere";
    CHECK(sl_client_open(&options, &error) == NULL && error.code == SL_INVALID_ARGUMENT);
    options.endpoint = endpoint;
    options.developer_access_key_id = "ADMINKEY"; /* one of three */
    CHECK(sl_client_open(&options, &error) == NULL && error.code == SL_INVALID_ARGUMENT);

    sl_string* value = NULL;
    CHECK(!sl_dataset_put(NULL, "k", 1, "v", 1, &error) && error.code == SL_INVALID_ARGUMENT);
    CHECK(!sl_dataset_get(NULL, "k", 1, &value, &error) && value == NULL);
    CHECK(!sl_client_synchronize(NULL, "things", NULL, &error) && error.code == SL_INVALID_ARGUMENT);
    CHECK(sl_dataset_open(NULL, "things", &error) == NULL);
    sl_client_release(NULL);
    sl_dataset_release(NULL);
    sl_string_release(NULL);
    CHECK(sl_code_is_retryable(SL_UNAVAILABLE) && !sl_code_is_retryable(SL_INVALID_ARGUMENT));
}

static void two_devices(const char* endpoint, const char* dir_a, const char* dir_b) {
    sl_error error;
    sl_client* a = open_client(endpoint, dir_a, NULL, &error);
    CHECK(a != NULL && error.code == SL_OK && error.message[0] == '\0');
    if (a == NULL) return;
    sl_dataset* things_a = sl_dataset_open(a, "things", &error);
    CHECK(things_a != NULL);
    CHECK(sl_dataset_open(a, "not a name!", &error) == NULL && error.code == SL_INVALID_ARGUMENT);

    const char value[] = {'o', 'n', '\0', 'e'}; /* a NUL inside: lengths are explicit */
    CHECK(sl_dataset_put(things_a, "thing-1", 7, value, sizeof value, &error));
    CHECK(!sl_dataset_put(things_a, NULL, 3, "v", 1, &error) && error.code == SL_INVALID_ARGUMENT);
    sl_sync_result result;
    CHECK(sl_client_synchronize(a, "things", &result, &error));
    CHECK(result.pushed == 1 && result.sync_count == 1);

    sl_string* identity = sl_client_identity_id(a, &error);
    CHECK(identity != NULL && sl_string_size(identity) > 10);

    /* Device B acts for A's identity with the developer key: it pulls what A pushed. */
    char id[256] = {0};
    if (identity != NULL)
        memcpy(id, sl_string_data(identity), sl_string_size(identity) < 255 ? sl_string_size(identity) : 255);
    sl_string_release(identity);
    sl_client* b = open_client(endpoint, dir_b, id, &error);
    CHECK(b != NULL);
    sl_dataset* things_b = b != NULL ? sl_dataset_open(b, "things", &error) : NULL;
    CHECK(sl_client_synchronize(b, "things", &result, &error) && result.pulled == 1);
    sl_string* got = NULL;
    CHECK(sl_dataset_get(things_b, "thing-1", 7, &got, &error) && got != NULL);
    CHECK(got != NULL && sl_string_size(got) == sizeof value &&
          memcmp(sl_string_data(got), value, sizeof value) == 0);
    sl_string_release(got);

    /* B removes it; A sees it gone. A missing record is no error. */
    CHECK(sl_dataset_remove(things_b, "thing-1", 7, &error));
    CHECK(sl_client_synchronize(b, "things", &result, &error) && result.pushed == 1);
    CHECK(sl_client_synchronize(a, "things", &result, &error) && result.pulled == 1);
    got = NULL;
    CHECK(sl_dataset_get(things_a, "thing-1", 7, &got, &error) && got == NULL && error.code == SL_OK);

    /* The client's handle goes first: its dataset's handle keeps it open. */
    sl_client_release(b);
    CHECK(sl_dataset_put(things_b, "thing-2", 7, "two", 3, &error));
    sl_dataset_release(things_b);
    sl_dataset_release(things_a);
    sl_client_release(a);
}

static void server_not_there(const char* dir) {
    sl_error error;
    sl_client* c =
        open_client("http://127.0.0.1:1", dir, "us-east-1:11111111-1111-1111-1111-111111111111", &error);
    CHECK(c != NULL);
    sl_dataset* things = sl_dataset_open(c, "things", &error);
    CHECK(sl_dataset_put(things, "k", 1, "v", 1, &error)); /* offline writes work */
    CHECK(!sl_client_synchronize(c, "things", NULL, &error) && error.code == SL_UNAVAILABLE);
    CHECK(sl_code_is_retryable(error.code) && strlen(error.message) > 0);
    sl_dataset_release(things);
    sl_client_release(c);
}

int main(void) {
    char root[] = "/tmp/synclatch-c-api-XXXXXX";
    if (mkdtemp(root) == NULL) return 2;
    char server_dir[256], dir_a[256], dir_b[256], dir_c[256], endpoint[128];
    snprintf(server_dir, sizeof server_dir, "%s/server", root);
    snprintf(dir_a, sizeof dir_a, "%s/a", root);
    snprintf(dir_b, sizeof dir_b, "%s/b", root);
    snprintf(dir_c, sizeof dir_c, "%s/c", root);
    if (mkdir(dir_a, 0700) != 0 || mkdir(dir_b, 0700) != 0 || mkdir(dir_c, 0700) != 0) return 2;
    if (!start_server(server_dir, endpoint, sizeof endpoint)) {
        fprintf(stderr, "the server did not start\n");
        stop_server();
        return 2;
    }
    CHECK(strlen(sl_version()) >= 5);
    bad_arguments(endpoint, dir_a);
    two_devices(endpoint, dir_a, dir_b);
    server_not_there(dir_c);
    CHECK(sl_live_handles() == 0);
    stop_server();
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", root);
    if (failures == 0) printf("c_api_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
