// synclatch::Client: what an app embeds. It wires the local store (core), the sync engine (sync) and the
// network and OS (platform) together: it opens the store in the app's data directory, obtains and keeps
// the Cognito identity, and synchronizes datasets on request, when connectivity returns, and in the
// background.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/dataset.hpp"
#include "synclatch/core/dataset_metadata.hpp"
#include "synclatch/core/local_store.hpp"
#include "synclatch/core/result.hpp"
#include "synclatch/platform/connectivity.hpp"
#include "synclatch/sync/credentials_provider.hpp"
#include "synclatch/sync/protocol.hpp"
#include "synclatch/sync/synchronizer.hpp"

namespace synclatch {

// Long-term developer credentials (the server's --admin-key) acting for a fixed identity, for tools and
// services; apps use Cognito identities instead.
struct DeveloperCredentials {
    std::string access_key_id;
    std::string secret_access_key;
    std::string identity_id;
};

struct ClientOptions {
    std::string endpoint;          // "https://sync.example.com": the Cognito Sync and Identity endpoint
    std::string identity_pool_id;  // "us-east-1:00000000-0000-0000-0000-000000000000"
    std::string data_dir;          // the local store and the device id live here (platform::app_data_dir)
    std::optional<DeveloperCredentials> developer;  // none: an unauthenticated Cognito identity
    std::string ca_file;                            // empty: the system's CA store
    core::Durability durability = core::Durability::full;
    std::chrono::milliseconds request_deadline{30'000};
    // Where connectivity comes from; empty: the OS's monitor (platform::open_system_connectivity).
    std::shared_ptr<platform::ConnectivityMonitor> connectivity;
    // A signed-in user's logins, asked for whenever the server must see them (Client::sign_in). The
    // client does not remember a sign-in across runs: an app whose user is signed in passes them here.
    sync::LoginsSource logins;
    // The identity changed from old_id to new_id: signing in merged this installation's identity into
    // the user's (docs/identity.md). The local data moved with it: each dataset of the old identity is
    // kept as "<name>.<old_id>" (and, where the user had no such dataset, copied under its own name to be
    // pushed), as Cognito's SDKs do. Runs on the thread that made the call that found out, after the call's
    // locks are released.
    std::function<void(const std::string& old_id, const std::string& new_id)> on_identity_changed;
};

// What sign_out does with changes not yet synced.
enum class SignOutMode {
    refuse_if_unsynced,  // refuse (conflict, naming the datasets): nothing is lost by mistake
    sync_first,          // sync the datasets with changes, then sign out; a failed sync stops it
    discard_unsynced,    // sign out and lose them
};

// An asynchronous sync: what it does (options; device_id is filled in by the client) and whom it tells.
struct SyncRequest {
    sync::SyncOptions options;
    std::function<void(const sync::SyncResult&)> on_success;
    std::function<void(const Status&)> on_failure;
};

struct BackgroundSyncOptions {
    std::chrono::milliseconds interval{5 * 60'000};       // sync at least this often; 0: only on triggers
    std::chrono::milliseconds after_local_change{2'000};  // a local write syncs after this quiet time
    std::chrono::milliseconds min_backoff{1'000};         // first retry after a retryable failure, about
    std::chrono::milliseconds max_backoff{5 * 60'000};    // retries never wait longer
    SyncRequest request;                                  // its callbacks hear about every background sync
};

// Thread-safety: every method may be called from any thread. Syncs of one client run one at a time, and
// so do sign_in, sign_out, wipe, authenticate and refresh_dataset_metadata, which wait for a sync in
// progress. Nothing else waits for a sync's network I/O: identity_id, known_identity_id, signed_in,
// register_device, subscribe, unsubscribe, open_push_channel, on_push_hint, the local datasets and the
// scheduling calls answer while a sync runs.
// Executor: every asynchronous callback (SyncRequest's, BackgroundSyncOptions'), and every sync started
// by synchronize_async, synchronize_on_connectivity or background sync, runs on the client's own sync
// thread, never on the caller's; a GUI app posts from there to its own thread. Callbacks may call any
// method of the client except the destructor. SyncOptions' own callbacks (on_conflict, on_progress, ...)
// run inside the sync, on the thread that runs it, and must not start another sync of this client. The
// destructor cancels the sync in progress (it stops between requests, losing nothing), drops queued ones
// without calling their callbacks, and joins the sync thread.
class Client {
  public:
    // Opens (or creates) the local store in options.data_dir. Works offline: nothing is sent until the
    // first sync or identity_id(). invalid_argument for a bad endpoint or pool id; storage when the
    // data directory cannot be used.
    static Result<std::unique_ptr<Client>> open(ClientOptions options);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Local datasets of the current identity (reads and writes work offline).
    Result<core::Dataset> open_or_create_dataset(std::string_view name);
    Result<std::vector<core::DatasetMetadata>> list_datasets() const;
    // Asks the server which datasets the identity has; those missing locally are created empty, so the
    // next sync of each pulls it. Returns the server's descriptions.
    Result<std::vector<sync::DatasetDescription>> refresh_dataset_metadata();
    // Deletes all local data and forgets the identity; the next use obtains a new identity.
    Status wipe();

    // Signs the user in (Cognito identities only, not with developer credentials): from now on every
    // credentials request carries the logins `logins` returns (called each time, so it can hand out
    // refreshed tokens). Contacts the server now: the identity becomes the user's. A guest whose logins
    // are new becomes the user's identity, keeping its data; when the user already has an identity, this
    // one is merged into it and the local data follows (ClientOptions::on_identity_changed). On failure
    // (offline, a token the server refuses) nothing changes: the client stays as it was.
    Status sign_in(sync::LoginsSource logins);
    bool signed_in() const;
    // Signs out: the local data of the user is deleted and the identity forgotten (the next use is a new
    // guest). With changes not yet synced, `mode` decides; the default refuses.
    Status sign_out(SignOutMode mode = SignOutMode::refuse_if_unsynced);

    // The identity the local data belongs to. When known (kept in the local store since an earlier run, a
    // sync or a sign-in), answered at once without the network, also while a sync is running. Else
    // obtained from the server (GetId) and kept in the local store, which adopts the data written before;
    // callers obtaining it at the same time (a sync included) wait for each other, so they all get one
    // identity, but never for the rest of a sync.
    Result<std::string> identity_id();
    // The identity the local data belongs to, if one is known: std::nullopt before the first sync,
    // identity_id() or sign-in, and after wipe or sign_out. Never contacts the server or waits for a sync:
    // for a GUI thread.
    std::optional<std::string> known_identity_id() const;
    // Gets credentials now (from the server unless those at hand are fresh), so the server judges a
    // signed-in client's logins; the identity they act for (after a merge at sign-in, the user's).
    Result<std::string> authenticate();
    // This installation's id (sent as DeviceId with each push).
    const std::string& device_id() const;

    // Blocking: synchronizes now on the calling thread (after any sync already running).
    Result<sync::SyncResult> synchronize(std::string_view dataset, sync::SyncOptions options = {});
    // Queues a sync on the sync thread; its callbacks run there.
    void synchronize_async(std::string_view dataset, SyncRequest request);
    // Synchronizes now when online, else as soon as connectivity returns; a sync that fails for lack of
    // network is also run again then (once).
    void synchronize_on_connectivity(std::string_view dataset, SyncRequest request);

    // Keeps the dataset synchronized: after local writes, every interval, when connectivity returns and
    // on push hints; retryable failures are retried after a jittered exponential backoff. Calling it
    // again replaces the options.
    Status start_background_sync(std::string_view dataset, BackgroundSyncOptions options = {});
    void stop_background_sync(std::string_view dataset);

    // Push: registers this installation with the server (platform APNS, APNS_SANDBOX, GCM or ADM and its
    // push token) and returns the server's id of the device; then (un)subscribes that device to a
    // dataset's changes (invalid_argument before register_device). These need the network and the
    // identity (as identity_id obtains it), not a sync's turn: they do not wait for a sync in progress
    // (only, at most, for a renewal of the credentials that is in flight, which they need too).
    Result<std::string> register_device(std::string_view platform, std::string_view token);
    Status subscribe(std::string_view dataset);
    Status unsubscribe(std::string_view dataset);
    // A push notification the app received (its JSON payload, PROTOCOL.md §3.6): queues a sync of the
    // dataset it names when that dataset is under background sync; false when the payload is not a
    // sync hint for this identity or names no dataset under background sync.
    bool on_push_hint(std::string_view payload);
    // Push hints straight from the server's WebSocket, for apps without a platform push service (desktop):
    // registers this installation when it has not been (platform GCM, token "synclatch-websocket:<device
    // id>": the server needs a registered device, not a working push token), keeps a WebSocket open
    // (reconnecting with backoff), and subscribes each dataset under background sync (now, and those
    // started later before their first sync); each hint syncs the dataset it names. Needs the network
    // for the registration; a subscription that fails is tried again before the dataset's next sync.
    Status open_push_channel();
    bool push_channel_connected() const;

  private:
    struct Impl;
    explicit Client(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;  // shared with weak references held by callbacks on other threads
};

}  // namespace synclatch
