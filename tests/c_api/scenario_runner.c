/* The shared conflict scenario (tests/scenarios/conflicts.scenario) run through the C API against a real
 * synclatch-server: prints what each sync resolved and every device's records, and exits 0 only when that is
 * the expected text (conflicts.expected), which the C++ conflict suite and the Java binding print too.
 *   scenario_runner SCENARIO EXPECTED */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "synclatch/synclatch.h"
#include "test_server.h"

enum { kMaxDevices = 8, kOutput = 8192 };

static const char* const kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

typedef struct device {
    char name[32];
    sl_client* client;
    sl_dataset* things;
} device;

static device devices[kMaxDevices];
static size_t device_count = 0;
static char output[kOutput];

static void append(const char* text, size_t size) {
    const size_t used = strlen(output);
    if (used + size < sizeof output) memcpy(output + used, text, size), output[used + size] = '\0';
}

static void append_text(const char* text) {
    append(text, strlen(text));
}

static char* read_file(const char* path) {
    FILE* file = fopen(path, "rb");
    if (file == NULL) return NULL;
    static char text[kOutput];
    const size_t n = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[n] = '\0';
    return text;
}

/* The first device is a guest of its own; every other one acts for its identity with the developer key. */
static device* device_named(const char* name, const char* endpoint, const char* root) {
    for (size_t i = 0; i < device_count; ++i)
        if (strcmp(devices[i].name, name) == 0) return &devices[i];
    if (device_count == kMaxDevices) return NULL;
    device* d = &devices[device_count];
    snprintf(d->name, sizeof d->name, "%s", name);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    if (mkdir(dir, 0700) != 0) return NULL;
    sl_client_options options;
    memset(&options, 0, sizeof options);
    options.endpoint = endpoint;
    options.identity_pool_id = kPool;
    options.data_dir = dir;
    options.app_reports_connectivity = true;
    char identity[256] = {0};
    if (device_count > 0) {
        sl_string* id = sl_client_identity_id(devices[0].client, NULL);
        if (id == NULL || sl_string_size(id) >= sizeof identity) return NULL;
        memcpy(identity, sl_string_data(id), sl_string_size(id));
        sl_string_release(id);
        options.developer_access_key_id = "ADMINKEY";
        options.developer_secret_access_key = "admin-secret";
        options.developer_identity_id = identity;
    }
    sl_error error;
    d->client = sl_client_open(&options, &error);
    d->things = d->client == NULL ? NULL : sl_dataset_open(d->client, "things", &error);
    if (d->things == NULL) {
        fprintf(stderr, "scenario_runner: device %s: %s\n", name, error.message);
        return NULL;
    }
    ++device_count;
    return d;
}

/* The scenario's resolver (its header says the rule). */
static bool resolve_by_key(void* context, sl_conflict* const* conflicts, size_t count) {
    (void)context;
    for (size_t i = 0; i < count; ++i) {
        size_t key_size = 0, local_size = 0, remote_size = 0;
        const char* key = sl_conflict_key(conflicts[i], &key_size);
        const char* local = sl_conflict_local_value(conflicts[i], &local_size);
        const char* remote = sl_conflict_remote_value(conflicts[i], &remote_size);
        if (key_size == 6 && memcmp(key, "remote", 6) == 0) sl_conflict_resolve_with_remote(conflicts[i]);
        if (key_size == 5 && memcmp(key, "local", 5) == 0) sl_conflict_resolve_with_local(conflicts[i]);
        if (key_size == 6 && memcmp(key, "merged", 6) == 0) {
            char merged[256];
            const int n = snprintf(merged, sizeof merged, "%.*s+%.*s", (int)remote_size, remote ? remote : "",
                                   (int)local_size, local ? local : "");
            sl_conflict_resolve_with_value(conflicts[i], merged, (size_t)n);
        }
    }
    return true;
}

static int run_step(const char* line, const char* endpoint, const char* root) {
    char name[32] = "", verb[16] = "", key[64] = "", value[64] = "";
    if (sscanf(line, "%31s %15s %63s %63s", name, verb, key, value) < 2) return 0;
    device* d = device_named(name, endpoint, root);
    if (d == NULL) return 0;
    sl_error error;
    if (strcmp(verb, "put") == 0) return sl_dataset_put(d->things, key, strlen(key), value, strlen(value), &error);
    if (strcmp(verb, "remove") == 0) return sl_dataset_remove(d->things, key, strlen(key), &error);
    if (strcmp(verb, "sync") != 0) return 0;
    sl_sync_options options;
    memset(&options, 0, sizeof options);
    if (strcmp(key, "resolve") == 0) options.on_conflict = resolve_by_key;
    sl_sync_result result;
    if (!sl_client_synchronize(d->client, "things", &options, &result, &error)) {
        fprintf(stderr, "scenario_runner: %s: %s\n", line, error.message);
        return 0;
    }
    char said[320];
    snprintf(said, sizeof said, "%s: %lld conflicts\n", line, (long long)result.conflicts);
    append_text(said);
    return 1;
}

/* Every device's live records, by device and key: "a key = value". */
static void append_records(void) {
    for (size_t i = 0; i < device_count; ++i) {
        sl_records* records = sl_dataset_records(devices[i].things, NULL);
        sl_record r;
        for (size_t j = 0; records != NULL && sl_records_at(records, j, &r); ++j) {
            if (r.value == NULL) continue;
            append_text(devices[i].name);
            append_text(" ");
            append(r.key, r.key_size);
            append_text(" = ");
            append(r.value, r.value_size);
            append_text("\n");
        }
        sl_records_release(records);
    }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: scenario_runner SCENARIO EXPECTED\n");
        return 2;
    }
    char root[] = "/tmp/synclatch-scenario-XXXXXX";
    char server_dir[300], endpoint[128];
    if (mkdtemp(root) == NULL) return 2;
    snprintf(server_dir, sizeof server_dir, "%s/server", root);
    if (mkdir(server_dir, 0700) != 0 || !start_server(server_dir, NULL, NULL, endpoint, sizeof endpoint)) {
        fprintf(stderr, "scenario_runner: the server did not start\n");
        return 2;
    }
    FILE* scenario = fopen(argv[1], "r");
    int ok = scenario != NULL;
    char line[256];
    while (ok && fgets(line, sizeof line, scenario) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') continue;
        ok = run_step(line, endpoint, root);
        if (!ok) fprintf(stderr, "scenario_runner: this step failed: %s\n", line);
        const struct timespec pause = {0, 3 * 1000 * 1000}; /* each step later in device time than the last */
        nanosleep(&pause, NULL);
    }
    if (scenario != NULL) fclose(scenario);
    append_records();
    for (size_t i = 0; i < device_count; ++i) {
        sl_dataset_release(devices[i].things);
        sl_client_release(devices[i].client);
    }
    stop_server();
    const char* expected = read_file(argv[2]);
    printf("%s", output);
    if (ok && expected != NULL && strcmp(output, expected) != 0) {
        fprintf(stderr, "scenario_runner: that is not what %s says:\n%s", argv[2], expected);
        ok = 0;
    }
    if (sl_live_handles() != 0) {
        fprintf(stderr, "scenario_runner: %lld handles left alive\n", (long long)sl_live_handles());
        ok = 0;
    }
    char command[400];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0) fprintf(stderr, "scenario_runner: could not remove %s\n", root);
    return ok && expected != NULL ? 0 : 1;
}
