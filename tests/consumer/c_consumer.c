/* A tiny C app that finds the installed C API with pkg-config (tests/consumer_test.cmake builds it with
 * `cc c_consumer.c $(pkg-config --cflags --libs synclatch)`): it writes and reads a record offline. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>

#include "synclatch/synclatch.h"

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    sl_client_options options = {0};
    options.endpoint = "http://127.0.0.1:1"; /* never reached: nothing here syncs */
    options.identity_pool_id = "us-east-1:00000000-0000-0000-0000-000000000000";
    options.data_dir = argv[1];
    sl_error error;
    sl_client* client = sl_client_open(&options, &error);
    sl_dataset* things = client == NULL ? NULL : sl_dataset_open(client, "things", &error);
    sl_string* value = NULL;
    if (things == NULL || !sl_dataset_put(things, "k", 1, "v", 1, &error) ||
        !sl_dataset_get(things, "k", 1, &value, &error) || value == NULL) {
        fprintf(stderr, "c_consumer: %s\n", error.message);
        return 1;
    }
    printf("synclatch %s: k = %.*s\n", sl_version(), (int)sl_string_size(value), sl_string_data(value));
    sl_string_release(value);
    sl_dataset_release(things);
    sl_client_release(client);
    return sl_live_handles() == 0 ? 0 : 1;
}
