/* The C API (synclatch.h) from C, against a real synclatch-server ($SYNCLATCH_SERVER_BINARY, SigV4, its
 * admin key known to the test): two devices of one identity share a record whose value holds a NUL byte
 * and see its removal; bad arguments, a server that is not there and a missing record give the documented
 * answers; a conflict is resolved by a C callback, progress is reported, an asynchronous sync and a
 * listener call back (on the library's thread, or through the app's post on its own), every context is
 * freed once; every handle released leaves none alive. Under the sanitizer build it runs leak-checked. */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "synclatch/synclatch.h"
#include "test_server.h"

static int failures = 0;

#define CHECK(condition)                                                                  \
    do {                                                                                  \
        if (!(condition)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
            ++failures;                                                                   \
        }                                                                                 \
    } while (0)

/* Each part's start, with the time since the test began: where a slow or stuck run is. */
static void step(const char* name) {
    static struct timespec start;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (start.tv_sec == 0 && start.tv_nsec == 0) start = now;
    fprintf(stderr, "c_api_test: %6.2f s %s\n",
            (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9, name);
}

static const char* const kPool = "us-east-1:00000000-0000-0000-0000-000000000000";

/* The app's own loop, for clients opened with post: tasks queue here and run when the test pumps them. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sl_task_fn queued_tasks[64];
static void* queued_contexts[64];
static int queued = 0;

static void post_to_queue(void* post_context, sl_task_fn task, void* task_context) {
    (void)post_context;
    pthread_mutex_lock(&lock);
    if (queued < 64) {
        queued_tasks[queued] = task;
        queued_contexts[queued] = task_context;
        ++queued;
    }
    pthread_mutex_unlock(&lock);
}

static int queue_size(void) {
    pthread_mutex_lock(&lock);
    int n = queued;
    pthread_mutex_unlock(&lock);
    return n;
}

static void pump_queue(void) {
    pthread_mutex_lock(&lock);
    int n = queued;
    queued = 0;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < n; ++i)
        queued_tasks[i](queued_contexts[i]);
}

static void sleep_ms(long ms) {
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static sl_client* open_client_with(const char* endpoint, const char* dir, const char* identity, bool post,
                                   sl_error* error);

static sl_client* open_client(const char* endpoint, const char* dir, const char* identity, sl_error* error) {
    return open_client_with(endpoint, dir, identity, false, error);
}

static sl_client* open_client_with(const char* endpoint, const char* dir, const char* identity, bool post,
                                   sl_error* error) {
    sl_client_options options;
    memset(&options, 0, sizeof options);
    options.endpoint = endpoint;
    options.identity_pool_id = kPool;
    options.data_dir = dir;
    options.request_deadline_ms = 5000;
    options.app_reports_connectivity = true;
    if (post) options.post = post_to_queue;
    if (identity != NULL) {
        options.developer_access_key_id = "ADMINKEY";
        options.developer_secret_access_key = "admin-secret";
        options.developer_identity_id = identity;
    }
    sl_client* client = sl_client_open(&options, error);
    if (client == NULL) {
        fprintf(stderr, "sl_client_open(%s): %d %s\n", dir, error->code, error->message);
        ++failures;
    }
    return client;
}

/* Another device of the same user: opened with the developer key, acting for `of`'s identity. */
static sl_client* open_second_device(const char* endpoint, const char* dir, sl_client* of) {
    sl_error error;
    sl_string* identity = sl_client_identity_id(of, &error);
    CHECK(identity != NULL && sl_string_size(identity) > 10 && sl_string_size(identity) < 256);
    char id[256] = {0};
    if (identity != NULL && sl_string_size(identity) < sizeof id)
        memcpy(id, sl_string_data(identity), sl_string_size(identity));
    sl_string_release(identity);
    return open_client(endpoint, dir, id, &error);
}

/* A client of a server that is not there (nothing listens on port 1), acting for a made-up identity. */
static sl_client* open_offline_client(const char* dir, sl_error* error) {
    return open_client("http://127.0.0.1:1", dir, "us-east-1:11111111-1111-1111-1111-111111111111", error);
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
    CHECK(!sl_client_synchronize(NULL, "things", NULL, NULL, &error) && error.code == SL_INVALID_ARGUMENT);
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
    CHECK(sl_client_synchronize(a, "things", NULL, &result, &error));
    CHECK(result.pushed == 1 && result.sync_count == 1);

    /* Device B acts for A's identity with the developer key: it pulls what A pushed. */
    sl_client* b = open_second_device(endpoint, dir_b, a);
    sl_dataset* things_b = b != NULL ? sl_dataset_open(b, "things", &error) : NULL;
    CHECK(sl_client_synchronize(b, "things", NULL, &result, &error) && result.pulled == 1);
    sl_string* got = NULL;
    CHECK(sl_dataset_get(things_b, "thing-1", 7, &got, &error) && got != NULL);
    CHECK(got != NULL && sl_string_size(got) == sizeof value &&
          memcmp(sl_string_data(got), value, sizeof value) == 0);
    sl_string_release(got);

    /* B removes it; A sees it gone. A missing record is no error. */
    CHECK(sl_dataset_remove(things_b, "thing-1", 7, &error));
    CHECK(sl_client_synchronize(b, "things", NULL, &result, &error) && result.pushed == 1);
    CHECK(sl_client_synchronize(a, "things", NULL, &result, &error) && result.pulled == 1);
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
    sl_client* c = open_offline_client(dir, &error);
    CHECK(c != NULL);
    sl_dataset* things = sl_dataset_open(c, "things", &error);
    CHECK(sl_dataset_put(things, "k", 1, "v", 1, &error)); /* offline writes work */
    CHECK(!sl_client_synchronize(c, "things", NULL, NULL, &error) && error.code == SL_UNAVAILABLE);
    CHECK(sl_code_is_retryable(error.code) && strlen(error.message) > 0);
    sl_dataset_release(things);
    sl_client_release(c);
}

/* What the callbacks saw. */
typedef struct seen {
    pthread_mutex_t mutex;
    pthread_cond_t changed;
    int conflicts, progress, done, freed, remote_changes;
    bool done_ok, done_on_main;
    int64_t pulled;
    char last_value[64];
} seen;

static pthread_t main_thread;

static bool resolve_by_merging(void* context, sl_conflict* const* conflicts, size_t count) {
    seen* s = context;
    for (size_t i = 0; i < count; ++i) {
        size_t key_size = 0, local_size = 0, remote_size = 0;
        const char* key = sl_conflict_key(conflicts[i], &key_size);
        const char* local = sl_conflict_local_value(conflicts[i], &local_size);
        const char* remote = sl_conflict_remote_value(conflicts[i], &remote_size);
        CHECK(key_size == 1 && memcmp(key, "n", 1) == 0);
        CHECK(local != NULL && local_size == 6 && memcmp(local, "from A", 6) == 0);
        CHECK(remote != NULL && remote_size == 6 && memcmp(remote, "from B", 6) == 0);
        sl_conflict_resolve_with_value(conflicts[i], "merged", 6);
        ++s->conflicts;
    }
    return true;
}

static void count_progress(void* context, sl_sync_phase phase, int64_t records, int64_t pages) {
    seen* s = context;
    CHECK(phase == SL_SYNC_PULLING || phase == SL_SYNC_PUSHING);
    CHECK(records >= 0 && pages >= 1);
    ++s->progress;
}

static void on_done(void* context, const sl_sync_result* result, const sl_error* error) {
    seen* s = context;
    pthread_mutex_lock(&s->mutex);
    ++s->done;
    s->done_ok = result != NULL && error->code == SL_OK;
    s->done_on_main = pthread_equal(pthread_self(), main_thread);
    s->pulled = result != NULL ? result->pulled : -1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mutex);
}

static void on_freed(void* context) {
    seen* s = context;
    pthread_mutex_lock(&s->mutex);
    ++s->freed;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mutex);
}

static void on_change(void* context, const sl_change* change) {
    seen* s = context;
    pthread_mutex_lock(&s->mutex);
    if (change->remote) {
        ++s->remote_changes;
        size_t n =
            change->value_size < sizeof s->last_value - 1 ? change->value_size : sizeof s->last_value - 1;
        if (change->value != NULL) memcpy(s->last_value, change->value, n);
        s->last_value[change->value != NULL ? n : 0] = '\0';
    }
    pthread_mutex_unlock(&s->mutex);
}

/* Waits (up to 10 s) until *count, one of s's counts, is not 0. */
static void wait_for(seen* s, const int* count) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&s->mutex);
    while (*count == 0 && pthread_cond_timedwait(&s->changed, &s->mutex, &until) == 0) {
    }
    pthread_mutex_unlock(&s->mutex);
}

static void wait_for_done(seen* s) {
    wait_for(s, &s->done);
}

static void init_seen(seen* s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mutex, NULL);
    pthread_cond_init(&s->changed, NULL);
}

/* A conflict resolved by a C callback, progress, an asynchronous sync, a listener, and callbacks posted to
   the app's own loop. */
static void callbacks(const char* endpoint, const char* dir_a, const char* dir_b) {
    sl_error error;
    sl_client* a = open_client_with(endpoint, dir_a, NULL, true, &error); /* A's callbacks go through post */
    if (a == NULL) return;
    sl_client* b = open_second_device(endpoint, dir_b, a);
    if (b == NULL) {
        sl_client_release(a);
        return;
    }
    sl_dataset* notes_a = sl_dataset_open(a, "notes", &error);
    sl_dataset* notes_b = sl_dataset_open(b, "notes", &error);
    CHECK(sl_dataset_put(notes_a, "n", 1, "base", 4, &error));
    CHECK(sl_client_synchronize(a, "notes", NULL, NULL, &error));
    CHECK(sl_client_synchronize(b, "notes", NULL, NULL, &error));

    seen listened;
    init_seen(&listened);
    sl_listener* listener = sl_dataset_add_listener(notes_b, on_change, &listened, on_freed, &error);
    CHECK(listener != NULL);
    CHECK(sl_dataset_add_listener(notes_b, NULL, NULL, NULL, &error) == NULL &&
          error.code == SL_INVALID_ARGUMENT);

    /* Both edit n offline; B pushes first; A's pull meets the conflict and its callback merges. */
    CHECK(sl_dataset_put(notes_a, "n", 1, "from A", 6, &error));
    CHECK(sl_dataset_put(notes_b, "n", 1, "from B", 6, &error));
    CHECK(sl_client_synchronize(b, "notes", NULL, NULL, &error));
    seen resolving;
    init_seen(&resolving);
    sl_sync_options options;
    memset(&options, 0, sizeof options);
    options.on_conflict = resolve_by_merging;
    options.on_progress = count_progress;
    options.context = &resolving;
    sl_sync_result result;
    CHECK(sl_client_synchronize(a, "notes", &options, &result, &error));
    CHECK(resolving.conflicts == 1 && result.conflicts == 1 && result.pushed == 1);
    CHECK(resolving.progress >= 2); /* a page pulled, a request pushed */
    sl_string* merged = NULL;
    CHECK(sl_dataset_get(notes_a, "n", 1, &merged, &error) && merged != NULL && sl_string_size(merged) == 6 &&
          memcmp(sl_string_data(merged), "merged", 6) == 0);
    sl_string_release(merged);

    /* B syncs asynchronously: done runs on B's sync thread; B's listener hears the merged value. */
    seen async_b;
    init_seen(&async_b);
    CHECK(sl_client_synchronize_async(b, "notes", NULL, on_done, &async_b, on_freed, &error));
    wait_for_done(&async_b);
    CHECK(async_b.done == 1 && async_b.done_ok && async_b.pulled == 1 && !async_b.done_on_main);
    for (int i = 0; i < 100 && async_b.freed == 0; ++i)
        sleep_ms(10);
    CHECK(async_b.freed == 1);
    pthread_mutex_lock(&listened.mutex);
    CHECK(listened.remote_changes == 1 && strcmp(listened.last_value, "merged") == 0);
    pthread_mutex_unlock(&listened.mutex);
    sl_listener_release(listener);
    CHECK(listened.freed == 1);
    CHECK(!sl_client_synchronize_async(b, "notes", NULL, NULL, NULL, NULL, &error) &&
          error.code == SL_INVALID_ARGUMENT);

    /* A posts its callbacks: done waits in the app's queue until the app runs it, on its own thread. */
    seen async_a;
    init_seen(&async_a);
    CHECK(sl_client_synchronize_async(a, "notes", NULL, on_done, &async_a, on_freed, &error));
    for (int i = 0; i < 1000 && queue_size() == 0; ++i)
        sleep_ms(10);
    CHECK(queue_size() == 1 && async_a.done == 0);
    pump_queue();
    CHECK(async_a.done == 1 && async_a.done_ok && async_a.done_on_main);
    for (int i = 0; i < 100 && async_a.freed == 0; ++i)
        sleep_ms(10);
    CHECK(async_a.freed == 1);

    sl_dataset_release(notes_a);
    sl_dataset_release(notes_b);
    sl_client_release(a);
    sl_client_release(b);
}

/* Syncs still queued when their client closes: each context is freed once, called back or not. */
static void dropped_at_close(const char* dir) {
    sl_error error;
    sl_client* c = open_offline_client(dir, &error);
    if (c == NULL) return;
    seen dropped;
    init_seen(&dropped);
    for (int i = 0; i < 3; ++i)
        CHECK(sl_client_synchronize_async(c, "things", NULL, on_done, &dropped, on_freed, &error));
    sl_client_release(c); /* joins the sync thread: nothing runs after this */
    CHECK(dropped.freed == 3 && dropped.done <= 3);
}

/* Many records in one write, the records' sync state, metadata, dataset names, background sync, wipe. */
static void lists_and_background(const char* endpoint, const char* dir_f, const char* dir_g) {
    sl_error error;
    sl_client* f = open_client(endpoint, dir_f, NULL, &error);
    if (f == NULL) return;
    sl_dataset* bulk = sl_dataset_open(f, "bulk", &error);
    const char* keys[] = {"k1", "k2", "k3"};
    const size_t key_sizes[] = {2, 2, 2};
    const char* values[] = {"one", "t\0o", ""};
    const size_t value_sizes[] = {3, 3, 0};
    CHECK(sl_dataset_put_many(bulk, keys, key_sizes, values, value_sizes, 3, &error));
    const char* bad_keys[] = {"k4", ""}; /* an empty key is not a key: nothing of the call is written */
    const size_t bad_key_sizes[] = {2, 0};
    CHECK(!sl_dataset_put_many(bulk, bad_keys, bad_key_sizes, values, value_sizes, 2, &error) &&
          error.code == SL_INVALID_ARGUMENT);

    sl_records* records = sl_dataset_records(bulk, &error);
    CHECK(records != NULL && sl_records_count(records) == 3);
    sl_record record;
    CHECK(sl_records_at(records, 1, &record) && record.key_size == 2 && memcmp(record.key, "k2", 2) == 0 &&
          record.value_size == 3 && memcmp(record.value, "t\0o", 3) == 0 && record.modified &&
          !record.remote && record.sync_count == 0);
    CHECK(!sl_records_at(records, 3, &record));
    sl_records_release(records);
    sl_dataset_metadata metadata;
    CHECK(sl_dataset_get_metadata(bulk, &metadata, &error) && metadata.record_count == 3 &&
          metadata.last_sync_count == 0 && metadata.last_sync_ms == 0);

    CHECK(sl_client_synchronize(f, "bulk", NULL, NULL, &error));
    records = sl_dataset_records(bulk, &error);
    CHECK(sl_records_at(records, 0, &record) && !record.modified && record.sync_count == 1 &&
          record.last_modified_ms > 0);
    sl_records_release(records);
    CHECK(sl_dataset_get_metadata(bulk, &metadata, &error) && metadata.last_sync_count == 1 &&
          metadata.last_sync_ms > 0);
    sl_names* names = sl_client_list_datasets(f, &error);
    bool listed = false;
    for (size_t i = 0; i < sl_names_count(names); ++i)
        listed = listed || strcmp(sl_names_at(names, i), "bulk") == 0;
    CHECK(listed && sl_names_at(names, sl_names_count(names)) == NULL);
    sl_names_release(names);

    /* G keeps "bulk" synchronized in the background: its write reaches the server without a sync call. */
    sl_client* g = open_second_device(endpoint, dir_g, f);
    seen background;
    init_seen(&background);
    sl_background_sync_options options;
    memset(&options, 0, sizeof options);
    options.interval_ms = -1;
    options.after_local_change_ms = 50;
    options.on_done = on_done;
    options.context = &background;
    options.free_context = on_freed;
    CHECK(sl_client_start_background_sync(g, "bulk", &options, &error));
    sl_dataset* bulk_g = sl_dataset_open(g, "bulk", &error);
    CHECK(sl_dataset_put(bulk_g, "k5", 2, "five", 4, &error));
    sl_string* five = NULL;
    for (int i = 0; i < 1000 && five == NULL; ++i) { /* G's write reaches the server with no call to sync */
        if (i > 0) sleep_ms(10);
        CHECK(sl_client_synchronize(f, "bulk", NULL, NULL, &error));
        CHECK(sl_dataset_get(bulk, "k5", 2, &five, &error));
    }
    CHECK(five != NULL && sl_string_size(five) == 4);
    sl_string_release(five);
    wait_for_done(&background); /* and G heard of its sync */
    pthread_mutex_lock(&background.mutex);
    CHECK(background.done >= 1 && background.done_ok && !background.done_on_main);
    pthread_mutex_unlock(&background.mutex);
    sl_client_stop_background_sync(g, "bulk");
    wait_for(&background, &background.freed); /* at once, or as a sync still running ends */
    CHECK(background.freed == 1);

    CHECK(sl_client_wipe(f, &error));
    names = sl_client_list_datasets(f, &error);
    CHECK(names != NULL && sl_names_count(names) == 0);
    sl_names_release(names);
    sl_dataset_release(bulk_g);
    sl_dataset_release(bulk);
    sl_client_release(g);
    sl_client_release(f);
}

/* Push: registering, subscriptions, and the server's WebSocket hints starting a background sync. */
static void push_hints(const char* endpoint, const char* dir_h, const char* dir_i) {
    sl_error error;
    sl_client* h = open_client(endpoint, dir_h, NULL, &error);
    if (h == NULL) return;
    sl_dataset* live_h = sl_dataset_open(h, "live", &error);
    CHECK(sl_dataset_put(live_h, "k1", 2, "one", 3, &error));
    CHECK(sl_client_synchronize(h, "live", NULL, NULL, &error));
    CHECK(!sl_client_subscribe(h, "live", &error) && error.code == SL_INVALID_ARGUMENT); /* not registered */
    sl_string* device = sl_client_register_device(h, "GCM", "token-1", &error);
    CHECK(device != NULL && sl_string_size(device) > 0);
    sl_string_release(device);
    CHECK(sl_client_subscribe(h, "live", &error));
    CHECK(sl_client_unsubscribe(h, "live", &error));

    sl_client* i = open_second_device(endpoint, dir_i, h);
    if (i == NULL) {
        sl_dataset_release(live_h);
        sl_client_release(h);
        return;
    }
    CHECK(!sl_client_on_push_hint(i, "not a hint", 10));
    sl_background_sync_options options;
    memset(&options, 0, sizeof options);
    options.interval_ms = -1; /* only triggers: here, the server's hints */
    CHECK(sl_client_start_background_sync(i, "live", &options, &error));
    CHECK(sl_client_open_push_channel(i, &error));
    for (int n = 0; n < 1000 && !sl_client_push_channel_connected(i); ++n)
        sleep_ms(10);
    CHECK(sl_client_push_channel_connected(i));
    sleep_ms(200); /* a sync the start may have begun is over */

    CHECK(sl_dataset_put(live_h, "k2", 2, "two", 3, &error));
    CHECK(sl_client_synchronize(h, "live", NULL, NULL, &error));
    sl_dataset* live_i = sl_dataset_open(i, "live", &error);
    sl_string* two = NULL;
    for (int n = 0; n < 1000 && two == NULL; ++n) { /* I never calls sync: the hint does */
        if (n > 0) sleep_ms(10);
        CHECK(sl_dataset_get(live_i, "k2", 2, &two, &error));
    }
    CHECK(two != NULL && sl_string_size(two) == 3 && memcmp(sl_string_data(two), "two", 3) == 0);
    sl_string_release(two);
    sl_dataset_release(live_i);
    sl_dataset_release(live_h);
    sl_client_release(i);
    sl_client_release(h);
}

/* The user's ID token from the stand-in provider, and how often the client asked for it. */
typedef struct login {
    const char* token;
    int asked;
    seen freed;
} login;

static void init_login(login* l, const char* token) {
    memset(l, 0, sizeof *l);
    l->token = token;
    init_seen(&l->freed);
}

static bool give_token(void* context, sl_logins* logins) {
    login* l = context;
    ++l->asked;
    return l->token != NULL && sl_logins_add(logins, "accounts.example.com", l->token);
}

static void login_freed(void* context) {
    login* l = context;
    on_freed(&l->freed);
}

/* Signing in: a guest becomes the user's identity, another installation is merged into it and gets the
   user's data; signing out refuses to lose unsynced changes unless told to. */
/* What on_identity_changed said. */
typedef struct identity_changes {
    int count;
    char old_id[128];
    char new_id[128];
} identity_changes;

static void identity_changed(void* context, const char* old_id, const char* new_id) {
    identity_changes* c = context;
    ++c->count;
    snprintf(c->old_id, sizeof c->old_id, "%s", old_id);
    snprintf(c->new_id, sizeof c->new_id, "%s", new_id);
}

static void sign_in_and_out(const char* endpoint, const char* dir_j, const char* dir_k, const char* token) {
    sl_error error;
    identity_changes changes;
    memset(&changes, 0, sizeof changes);
    sl_client* j = open_client(endpoint, dir_j, NULL, &error);
    /* K tells of its identity changing. */
    sl_client_options k_options;
    memset(&k_options, 0, sizeof k_options);
    k_options.endpoint = endpoint;
    k_options.identity_pool_id = kPool;
    k_options.data_dir = dir_k;
    k_options.on_identity_changed = identity_changed;
    k_options.identity_context = &changes;
    sl_client* k = sl_client_open(&k_options, &error);
    CHECK(k != NULL);
    if (j == NULL || k == NULL) {
        sl_client_release(j);
        sl_client_release(k);
        return;
    }
    sl_dataset* profile_j = sl_dataset_open(j, "profile", &error);
    CHECK(sl_dataset_put(profile_j, "name", 4, "Alice", 5, &error));
    CHECK(sl_client_synchronize(j, "profile", NULL, NULL, &error));
    sl_string* guest = sl_client_identity_id(j, &error);

    login alice_j;
    init_login(&alice_j, token);
    CHECK(!sl_client_signed_in(j));
    CHECK(sl_client_sign_in(j, give_token, &alice_j, login_freed, &error));
    CHECK(sl_client_signed_in(j) && alice_j.asked >= 1);
    sl_string* user = sl_client_identity_id(j, &error);
    CHECK(guest != NULL && user != NULL && sl_string_size(guest) == sl_string_size(user) &&
          memcmp(sl_string_data(guest), sl_string_data(user), sl_string_size(user)) == 0);

    /* K, another installation's guest, signs in as the same user: it is merged into the user's identity. */
    sl_string* k_guest = sl_client_identity_id(k, &error);
    login alice_k;
    init_login(&alice_k, token);
    CHECK(sl_client_sign_in(k, give_token, &alice_k, login_freed, &error));
    sl_string* merged = sl_client_identity_id(k, &error);
    CHECK(changes.count == 1 && k_guest != NULL && merged != NULL &&
          strlen(changes.old_id) == sl_string_size(k_guest) &&
          memcmp(changes.old_id, sl_string_data(k_guest), sl_string_size(k_guest)) == 0 &&
          strlen(changes.new_id) == sl_string_size(merged) &&
          memcmp(changes.new_id, sl_string_data(merged), sl_string_size(merged)) == 0);
    sl_string_release(k_guest);
    CHECK(merged != NULL && user != NULL && sl_string_size(merged) == sl_string_size(user) &&
          memcmp(sl_string_data(merged), sl_string_data(user), sl_string_size(user)) == 0);
    sl_dataset* profile_k = sl_dataset_open(k, "profile", &error);
    CHECK(sl_client_synchronize(k, "profile", NULL, NULL, &error));
    sl_string* name = NULL;
    CHECK(sl_dataset_get(profile_k, "name", 4, &name, &error) && name != NULL && sl_string_size(name) == 5);
    sl_string_release(name);

    CHECK(sl_dataset_put(profile_k, "name", 4, "Al", 2, &error));
    CHECK(!sl_client_sign_out(k, SL_SIGN_OUT_REFUSE_IF_UNSYNCED, &error) && error.code == SL_CONFLICT);
    CHECK(sl_client_signed_in(k));
    CHECK(sl_client_sign_out(k, SL_SIGN_OUT_DISCARD_UNSYNCED, &error));
    CHECK(!sl_client_signed_in(k) && alice_k.freed.freed == 1);

    /* An app with no logins to give: the sign-in fails, nothing changes, its context is freed. */
    login nobody;
    init_login(&nobody, NULL);
    CHECK(!sl_client_sign_in(k, give_token, &nobody, login_freed, &error) && error.code == SL_UNAUTHORIZED);
    CHECK(!sl_client_signed_in(k) && nobody.freed.freed == 1);

    sl_string_release(guest);
    sl_string_release(user);
    sl_string_release(merged);
    sl_dataset_release(profile_j);
    sl_dataset_release(profile_k);
    sl_client_release(j);
    sl_client_release(k);
    CHECK(alice_j.freed.freed == 1);
}

/* Runs the stand-in login provider ($SYNCLATCH_LOGIN_TOKENS): the server flag and value that trust it,
   and a token for "alice". */
static int login_provider(const char* jwks_path, char* flag, char* value, char* token, size_t size) {
    const char* helper = getenv("SYNCLATCH_LOGIN_TOKENS");
    if (helper == NULL) {
        fprintf(stderr, "set SYNCLATCH_LOGIN_TOKENS\n");
        return 0;
    }
    char command[1024];
    snprintf(command, sizeof command, "'%s' '%s' alice", helper, jwks_path);
    FILE* out = popen(command, "r");
    if (out == NULL) return 0;
    char* lines[] = {flag, value, token};
    int read = 0;
    while (read < 3 && fgets(lines[read], (int)size, out) != NULL) {
        lines[read][strcspn(lines[read], "\n")] = '\0';
        ++read;
    }
    return pclose(out) == 0 && read == 3;
}

int main(void) {
    char root[] = "/tmp/synclatch-c-api-XXXXXX";
    if (mkdtemp(root) == NULL) return 2;
    char server_dir[256], dir_a[256], dir_b[256], dir_c[256], dir_d[256], dir_e[256], dir_f[256], dir_g[256],
        dir_h[256], dir_i[256], dir_j[256], dir_k[256];
    char endpoint[128];
    main_thread = pthread_self();
    snprintf(server_dir, sizeof server_dir, "%s/server", root);
    char* dirs[] = {dir_a, dir_b, dir_c, dir_d, dir_e, dir_f, dir_g, dir_h, dir_i, dir_j, dir_k};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; ++i) {
        snprintf(dirs[i], 256, "%s/%c", root, (char)('a' + i));
        if (mkdir(dirs[i], 0700) != 0) return 2;
    }
    char jwks[300], flag[4096], value[4096], token[4096]; /* each as large as login_provider is told */
    snprintf(jwks, sizeof jwks, "%s/jwks.json", root);
    if (!login_provider(jwks, flag, value, token, sizeof token) ||
        !start_server(server_dir, flag, value, endpoint, sizeof endpoint)) {
        fprintf(stderr, "the server did not start\n");
        stop_server();
        return 2;
    }
    CHECK(strlen(sl_version()) >= 5);
    step("bad arguments");
    bad_arguments(endpoint, dir_a);
    step("two devices");
    two_devices(endpoint, dir_a, dir_b);
    step("a server that is not there");
    server_not_there(dir_c);
    step("callbacks");
    callbacks(endpoint, dir_d, dir_e);
    step("syncs dropped at close");
    dropped_at_close(dir_c);
    step("lists and background sync");
    lists_and_background(endpoint, dir_f, dir_g);
    step("push hints");
    push_hints(endpoint, dir_h, dir_i);
    step("sign-in and sign-out");
    sign_in_and_out(endpoint, dir_j, dir_k, token);
    step("done");
    CHECK(sl_live_handles() == 0);
    stop_server();
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", root);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", root);
    if (failures == 0) printf("c_api_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
