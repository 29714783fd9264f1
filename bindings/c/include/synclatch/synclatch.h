/* synclatch.h: the C API of synclatch, for apps that reach a native core through a C ABI (JNI, Swift, Dart
 * FFI, Node-API). It wraps synclatch::Client (platform/include/synclatch/client.hpp) and its datasets.
 *
 * Conventions
 *  - Handles are opaque and owned by the caller: every handle a function returns is released with the one
 *    release function of its kind (sl_client_release, sl_dataset_release, sl_string_release), which takes
 *    NULL too. A dataset handle may outlive its client's handle: it keeps what it needs alive.
 *  - Errors: a function that can fail takes a caller-provided sl_error* last (NULL allowed: the caller does
 *    not want the details) and says it failed by its return value (NULL or false). On success the error's
 *    code is SL_OK and its message empty. Nothing from C++ (an exception, a type) ever crosses this API.
 *  - Strings are UTF-8. Keys and values, which may hold NUL bytes, are passed with explicit lengths; names,
 *    paths and URLs are NUL-terminated.
 *  - Threads: every function may be called from any thread. Blocking calls (sl_client_synchronize) run on
 *    the calling thread; do not call them from a UI thread.
 */
#ifndef SYNCLATCH_SYNCLATCH_H
#define SYNCLATCH_SYNCLATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(SL_BUILDING_LIBRARY)
#define SL_API __attribute__((visibility("default")))
#else
#define SL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version, "MAJOR.MINOR.PATCH". The ABI changes only with MAJOR (the SOVERSION). */
SL_API const char* sl_version(void);

/* Error codes: synclatch::Errc's, same order (core/include/synclatch/core/status.hpp). */
typedef enum sl_code {
    SL_OK = 0,
    SL_INVALID_ARGUMENT = 1, /* bad input; repeating the call cannot help */
    SL_NOT_FOUND = 2,
    SL_CONFLICT = 3,       /* a sync met concurrent writers on every attempt */
    SL_LIMIT_EXCEEDED = 4, /* a quota (records, bytes, datasets) would be exceeded */
    SL_UNAUTHORIZED = 5,
    SL_UNAVAILABLE = 6, /* the server or network cannot be reached now: retry later */
    SL_TIMEOUT = 7,
    SL_BUSY = 8,
    SL_THROTTLED = 9,
    SL_CANCELLED = 10,
    SL_STORAGE = 11, /* the local database could not be read or written */
    SL_CORRUPT = 12,
    SL_INTERNAL = 13 /* a bug; report it */
} sl_code;

/* True for codes where the same call may succeed later: unavailable, timeout, busy, throttled. */
SL_API bool sl_code_is_retryable(sl_code code);

typedef struct sl_error {
    sl_code code;
    char message[512]; /* NUL-terminated, cut to fit */
} sl_error;

/* Handles. */
typedef struct sl_client sl_client;
typedef struct sl_dataset sl_dataset;
typedef struct sl_string sl_string; /* bytes returned to the caller */

/* Handles of every kind alive now in this process: what a test checks is 0 once everything is released. */
SL_API int64_t sl_live_handles(void);

SL_API const char* sl_string_data(const sl_string* string); /* not NUL-terminated when it holds NULs */
SL_API size_t sl_string_size(const sl_string* string);
SL_API void sl_string_release(sl_string* string);

/* The app's context for a callback, and the function that frees it (NULL: nothing to free). The library
   calls it once, when no callback with that context can run any more; also when the call that was given
   it fails (then before it returns). */
typedef void (*sl_free_fn)(void* context);

/* Callbacks on the app's own loop: with `post` set in sl_client_options, the library never calls the app's
   asynchronous callbacks (sl_client_synchronize_async's done, dataset listeners) itself: it hands each call
   to post, which must arrange for task(task_context) to run exactly once, on the app's loop (a task not
   run leaks its context). Without it they run on the library's threads, as each function says. */
typedef void (*sl_task_fn)(void* task_context);
typedef void (*sl_post_fn)(void* post_context, sl_task_fn task, void* task_context);

typedef enum sl_durability {
    SL_DURABILITY_FULL = 0,  /* every commit survives power loss (the default) */
    SL_DURABILITY_NORMAL = 1 /* commits survive a crash of the app, not of the OS */
} sl_durability;

/* What sl_client_open needs. Zero-initialise it and set what you need; NULL and 0 take the defaults. */
typedef struct sl_client_options {
    const char* endpoint;         /* required: "https://sync.example.com" */
    const char* identity_pool_id; /* required: "us-east-1:00000000-0000-0000-0000-000000000000" */
    const char* data_dir;         /* required: an existing folder of the app's; the local store lives here */
    const char* ca_file;          /* TLS: a PEM file of trusted CAs; NULL: the system's store */
    sl_durability durability;
    int64_t request_deadline_ms; /* 0: 30,000 */
    /* Developer credentials (the server's --admin-key) acting for a fixed identity, for tools; all three
       or none. None: an unauthenticated Cognito identity, obtained from the server on first use. */
    const char* developer_access_key_id;
    const char* developer_secret_access_key;
    const char* developer_identity_id;
    /* Connectivity: false (the default) follows the OS's monitor; true lets the app say it
       (sl_client_set_online), as a phone app does from its own platform API. */
    bool app_reports_connectivity;
    sl_post_fn post;    /* NULL: callbacks on the library's threads */
    void* post_context; /* passed to post; must outlive the client */
    /* Signing in merged this installation's identity into the user's: old_id became new_id, and the local
       data moved with it (each dataset of the old identity kept as "<name>.<old_id>"). On the thread of
       the call that found out, or through post. NULL: nobody is told. */
    void (*on_identity_changed)(void* context, const char* old_id, const char* new_id);
    void* identity_context; /* passed to on_identity_changed; must outlive the client */
} sl_client_options;

/* Opens (or creates) the local store. Works offline: nothing is sent before the first sync or identity
   call. NULL on failure: SL_INVALID_ARGUMENT for a missing or bad option, SL_STORAGE when the folder
   cannot be used. */
SL_API sl_client* sl_client_open(const sl_client_options* options, sl_error* error);
SL_API void sl_client_release(sl_client* client);

/* With app_reports_connectivity: the network is there (true) or not. Ignored otherwise. */
SL_API void sl_client_set_online(sl_client* client, bool online);

/* Sign-in. The user's logins: provider name (the Logins key, e.g. "accounts.google.com") to a token of it. */
typedef struct sl_logins sl_logins;
SL_API bool sl_logins_add(sl_logins* logins, const char* provider, const char* token);
/* Called whenever the server must see the logins (so the app can hand out refreshed tokens), on the thread
   making the request; add them and return true, or false when none can be had now (the request then
   fails with SL_UNAUTHORIZED). */
typedef bool (*sl_logins_fn)(void* context, sl_logins* logins);
/* Signs the user in (Cognito identities only, not with developer credentials) and contacts the server now:
   a guest whose logins are new becomes the user's identity, keeping its data; when the user already has an
   identity, this installation's is merged into it and the local data follows. On failure nothing changes.
   free_context(context) runs when the client stops asking (sign-out, another sign-in, close). */
SL_API bool sl_client_sign_in(sl_client* client, sl_logins_fn logins, void* context, sl_free_fn free_context,
                              sl_error* error);
SL_API bool sl_client_signed_in(const sl_client* client);
typedef enum sl_sign_out_mode {
    SL_SIGN_OUT_REFUSE_IF_UNSYNCED = 0, /* SL_CONFLICT, naming the datasets, when changes are not synced */
    SL_SIGN_OUT_SYNC_FIRST = 1,         /* sync the datasets with changes first; a failed sync stops it */
    SL_SIGN_OUT_DISCARD_UNSYNCED = 2    /* sign out and lose them */
} sl_sign_out_mode;
/* Deletes the user's local data and forgets the identity: the next use is a new guest. */
SL_API bool sl_client_sign_out(sl_client* client, sl_sign_out_mode mode, sl_error* error);

/* The identity the local data belongs to, obtained from the server on first use (then kept). */
SL_API sl_string* sl_client_identity_id(sl_client* client, sl_error* error);

/* Opens (or creates) a local dataset of the client's identity. Names: 1-128 of [A-Za-z0-9_.:-]. */
SL_API sl_dataset* sl_dataset_open(sl_client* client, const char* name, sl_error* error);
SL_API void sl_dataset_release(sl_dataset* dataset);

/* Local writes and reads; they work offline and are pushed by the next sync. */
SL_API bool sl_dataset_put(sl_dataset* dataset, const char* key, size_t key_size, const char* value,
                           size_t value_size, sl_error* error);
SL_API bool sl_dataset_remove(sl_dataset* dataset, const char* key, size_t key_size, sl_error* error);
/* *value is the record's value, or NULL when the dataset has no such record (or it was removed). */
SL_API bool sl_dataset_get(sl_dataset* dataset, const char* key, size_t key_size, sl_string** value,
                           sl_error* error);

/* Writes every pair in one transaction: all of them or, on any error, none. */
SL_API bool sl_dataset_put_many(sl_dataset* dataset, const char* const* keys, const size_t* key_sizes,
                                const char* const* values, const size_t* value_sizes, size_t count,
                                sl_error* error);

/* A dataset's records with their sync state, tombstones included, ordered by key; owned by the caller. */
typedef struct sl_records sl_records;
typedef struct sl_record {
    const char* key; /* valid while the list is */
    size_t key_size;
    const char* value; /* NULL: removed (a tombstone kept to be synchronized) */
    size_t value_size;
    int64_t sync_count;              /* the server's sync count this version is based on */
    int64_t last_modified_ms;        /* server time of that version; 0: never synchronized */
    int64_t device_last_modified_ms; /* device time of the last local write */
    bool modified;                   /* local changes not yet pushed */
    bool remote;                     /* last written by a sync, not locally */
} sl_record;
SL_API sl_records* sl_dataset_records(sl_dataset* dataset, sl_error* error);
SL_API size_t sl_records_count(const sl_records* records);
/* false when index is out of range. */
SL_API bool sl_records_at(const sl_records* records, size_t index, sl_record* record);
SL_API void sl_records_release(sl_records* records);

typedef struct sl_dataset_metadata {
    int64_t record_count;  /* live records */
    int64_t storage_bytes; /* UTF-8 bytes of their keys and values */
    int64_t creation_ms;
    int64_t last_modified_ms;
    int64_t last_sync_count; /* 0 before the first sync; -1 while a deletion waits to be synchronized */
    int64_t last_sync_ms;    /* 0: never synchronized */
} sl_dataset_metadata;
SL_API bool sl_dataset_get_metadata(sl_dataset* dataset, sl_dataset_metadata* metadata, sl_error* error);

/* Names, owned by the caller. */
typedef struct sl_names sl_names;
/* The local datasets of the client's identity. */
SL_API sl_names* sl_client_list_datasets(sl_client* client, sl_error* error);
SL_API size_t sl_names_count(const sl_names* names);
SL_API const char* sl_names_at(const sl_names* names, size_t index); /* NUL-terminated; NULL out of range */
SL_API void sl_names_release(sl_names* names);

/* Deletes all local data and forgets the identity; the next use obtains a new one. */
SL_API bool sl_client_wipe(sl_client* client, sl_error* error);

typedef struct sl_sync_result {
    int64_t pulled;     /* remote records received */
    int64_t pushed;     /* local records the server accepted */
    int64_t conflicts;  /* conflicts resolved */
    int64_t requests;   /* HTTP requests made */
    int64_t sync_count; /* the dataset's sync count now */
} sl_sync_result;

/* A conflict a pull found: this device's version not yet pushed, and the server's newer one. Valid only
   during the sl_conflict_fn call that passes it. */
typedef struct sl_conflict sl_conflict;
SL_API const char* sl_conflict_key(const sl_conflict* conflict, size_t* size);
/* The value of each version, or NULL when that version removed the record. size may be NULL. */
SL_API const char* sl_conflict_local_value(const sl_conflict* conflict, size_t* size);
SL_API const char* sl_conflict_remote_value(const sl_conflict* conflict, size_t* size);
SL_API void sl_conflict_resolve_with_local(sl_conflict* conflict);  /* kept, and pushed on top */
SL_API void sl_conflict_resolve_with_remote(sl_conflict* conflict); /* the server's is taken */
/* A new value, e.g. a merge of both (NULL with size 0: remove the record); it is pushed. */
SL_API void sl_conflict_resolve_with_value(sl_conflict* conflict, const char* value, size_t size);

/* Resolve each conflict (one left unresolved gets the default: the later device edit wins) and return
   true; false stops the sync with SL_CANCELLED, losing nothing: the conflicts come back next time. */
typedef bool (*sl_conflict_fn)(void* context, sl_conflict* const* conflicts, size_t count);

typedef enum sl_sync_phase { SL_SYNC_PULLING = 0, SL_SYNC_PUSHING = 1 } sl_sync_phase;
/* After each page pulled and each request pushed: the records and requests of the phase so far. */
typedef void (*sl_progress_fn)(void* context, sl_sync_phase phase, int64_t records, int64_t pages);

/* How a sync runs. Zero-initialised (or a NULL pointer): the defaults. Its callbacks run inside the sync, on
   the thread running it (never through post: the sync waits for them), and must not start another sync
   of the same client. */
typedef struct sl_sync_options {
    sl_conflict_fn on_conflict; /* NULL: the later device edit wins, the same on every device */
    sl_progress_fn on_progress;
    void* context;  /* passed to on_conflict and on_progress */
    bool full_pull; /* pull everything again, not only what changed */
} sl_sync_options;

/* Synchronizes the dataset with the server now, on the calling thread (after any sync of this client
   already running). options and result may be NULL. */
SL_API bool sl_client_synchronize(sl_client* client, const char* dataset, const sl_sync_options* options,
                                  sl_sync_result* result, sl_error* error);

/* The outcome of an asynchronous sync: result on success (error->code SL_OK), else NULL and the error. */
typedef void (*sl_sync_done_fn)(void* context, const sl_sync_result* result, const sl_error* error);
/* Queues a sync on the client's sync thread and returns at once (false only for bad arguments). done runs
   once, on that thread or through post; then free_context(context). The options' callbacks get `context`
   too (options->context is not used). A sync still queued when its client closes never runs: done is not
   called, free_context is. */
SL_API bool sl_client_synchronize_async(sl_client* client, const char* dataset,
                                        const sl_sync_options* options, sl_sync_done_fn done, void* context,
                                        sl_free_fn free_context, sl_error* error);

/* Keeps a dataset synchronized: after local writes, every interval, when connectivity returns and on push
   hints; retryable failures are retried with a jittered exponential backoff. Zero fields take the
   defaults. Each sync's outcome goes to on_done (NULL: nobody is told), on the sync thread or through post;
   free_context(context) runs once background sync of the dataset has stopped (sl_client_stop_background_sync,
   another start for it, or the client closing) and no sync of it is running: when one is, on the sync
   thread as it ends, after the stopping call has returned. */
typedef struct sl_background_sync_options {
    int64_t interval_ms;           /* sync at least this often; 0: 5 minutes; -1: only on triggers */
    int64_t after_local_change_ms; /* a local write syncs after this quiet time; 0: 2 seconds */
    sl_sync_done_fn on_done;
    void* context;
    sl_free_fn free_context;
} sl_background_sync_options;
SL_API bool sl_client_start_background_sync(sl_client* client, const char* dataset,
                                            const sl_background_sync_options* options, sl_error* error);
SL_API void sl_client_stop_background_sync(sl_client* client, const char* dataset);

/* Push. Registers this installation with the server for push notifications (platform "APNS",
   "APNS_SANDBOX", "GCM" or "ADM", and the token the OS gave the app) and returns the server's id of the
   device; then (un)subscribes it to a dataset's changes. They need the network, not a sync's turn. */
SL_API sl_string* sl_client_register_device(sl_client* client, const char* platform, const char* token,
                                            sl_error* error);
SL_API bool sl_client_subscribe(sl_client* client, const char* dataset, sl_error* error);
SL_API bool sl_client_unsubscribe(sl_client* client, const char* dataset, sl_error* error);
/* A push notification's payload (JSON, from FCM or APNs): queues a sync of the dataset it names when that
   dataset is under background sync; false when it is not such a hint. */
SL_API bool sl_client_on_push_hint(sl_client* client, const char* payload, size_t payload_size);
/* Hints straight from the server over a WebSocket, for apps without a platform push service: registers
   this installation if needed, keeps the socket open (reconnecting), subscribes each dataset under
   background sync, and syncs the dataset each hint names. */
SL_API bool sl_client_open_push_channel(sl_client* client, sl_error* error);
SL_API bool sl_client_push_channel_connected(const sl_client* client);

/* A change of a record's value, committed. Valid only during the call that passes it. */
typedef struct sl_change {
    const char* key;
    size_t key_size;
    const char* value; /* NULL: the record was removed */
    size_t value_size;
    bool remote;      /* from the server (a sync), not a local write */
    int64_t sequence; /* the store's change feed position: strictly increasing */
} sl_change;
typedef void (*sl_change_fn)(void* context, const sl_change* change);

/* A listener's token: releasing it stops the calls. */
typedef struct sl_listener sl_listener;
/* Calls on_change after each committed change in the dataset, local or remote, one at a time and in commit
   order: on the thread that wrote (the app's for its own writes, the sync's for remote ones), or through
   post. free_context(context) runs once the listener is released and no call is running. */
SL_API sl_listener* sl_dataset_add_listener(sl_dataset* dataset, sl_change_fn on_change, void* context,
                                            sl_free_fn free_context, sl_error* error);
/* After it returns no call starts again (one running on another thread finishes). NULL allowed. */
SL_API void sl_listener_release(sl_listener* listener);

#ifdef __cplusplus
}
#endif

#endif /* SYNCLATCH_SYNCLATCH_H */
