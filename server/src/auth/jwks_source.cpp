// The background thread of a JwksSource sleeps on a condition variable until a refresh is due: the URL's
// timer, or a wish raised by verify() once min_refresh_interval has passed since the last attempt. The
// load itself (a file read, or an HTTP GET on a client only this thread uses) runs without the lock, and
// its keys go into the verifier with one pointer swap.
#include "auth/jwks_source.hpp"

#include <condition_variable>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>

#include "telemetry/log.hpp"

namespace synclatch::server {

namespace {

using Clock = std::chrono::steady_clock;

// What a load gives: the document's usable keys, or why there are none.
Result<JsonWebKeySet> usable_keys(Result<std::string> document) {
    if (!document.ok()) return document.status();
    auto keys = JsonWebKeySet::parse(*document);
    if (!keys.ok()) return keys.status();
    if (keys->keys().empty())
        return Status{Errc::invalid_argument,
                      "the document has no key this server can use (RSA or P-256 "
                      "signing keys for RS256 or ES256)"};
    return keys;
}

// The messages do not name the file: the callers' do.
Result<std::string> read_document(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status{Errc::unavailable, "cannot be opened"};
    std::string text(JsonWebKeySet::kMaxDocumentBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return Status{Errc::unavailable, "cannot be read"};
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > JsonWebKeySet::kMaxDocumentBytes) {
        return Status{Errc::invalid_argument,
                      "larger than " + std::to_string(JsonWebKeySet::kMaxDocumentBytes) + " bytes"};
    }
    return text;
}

Result<std::string> fetch_document(sync::HttpClient& client, const sync::HttpUrl& url,
                                   std::chrono::milliseconds timeout) {
    sync::HttpRequest request;
    request.method = "GET";
    request.target = url.target;
    request.headers = {{"Host", url.endpoint.authority()}, {"Accept", "application/json"}};
    auto response = client.send(request, timeout);
    if (!response.ok()) return response.status();
    if (response->status != 200)
        return Status{Errc::unavailable, "answered HTTP " + std::to_string(response->status)};
    return std::move(response->body);
}

}  // namespace

struct JwksSource::State {
    State(LoginProvider provider, JwksSourceOptions given, std::string from)
        : verifier(std::move(provider), nullptr), options(std::move(given)), origin(std::move(from)) {}

    LoginTokenVerifier verifier;
    const JwksSourceOptions options;
    const std::string origin;  // "file F" or "URL U", for log lines
    // The document, for the background thread only (it may block for up to fetch_timeout).
    std::function<Result<std::string>()> load;
    bool periodic = false;  // refetched every refresh_interval (URLs)
    ThrottledLog failure_log{std::chrono::minutes(10)};

    mutable std::mutex mutex;
    std::condition_variable wake;                // the background thread waits on it
    mutable std::condition_variable loaded;      // wait_for_loads() waits on it
    bool stop = false;                           // guarded by mutex
    bool finished = false;                       // guarded by mutex: the thread has ended
    bool wanted = false;                         // guarded by mutex: a token asked for a refresh
    Clock::time_point last_attempt{};            // guarded by mutex
    std::optional<Clock::time_point> scheduled;  // guarded by mutex: the timer's next refresh
    std::uint64_t loads = 0;                     // guarded by mutex
    std::uint64_t attempts = 0;                  // guarded by mutex
    bool failing = false;                        // guarded by mutex: the last attempt failed
    bool loading = false;                        // guarded by mutex: refresh() is running

    void request_refresh() {
        {
            const std::lock_guard lock(mutex);
            if (wanted || stop) return;  // the common case of a flood: nothing to wake
            wanted = true;
        }
        wake.notify_one();
    }

    // One load, and what it means for the keys and the schedule. Runs on the background thread, unlocked.
    void refresh() {
        Result<JsonWebKeySet> keys = Status{Errc::internal, "not loaded"};
        try {
            keys = usable_keys(load());
        } catch (const std::exception& e) {  // out of memory: a failed attempt, retried like any other
            keys = Status{Errc::internal, e.what()};
        }
        const std::string& name = verifier.provider().name;
        std::size_t count = 0;
        if (keys.ok()) {
            count = keys->keys().size();
            verifier.replace_keys(std::make_shared<const JsonWebKeySet>(std::move(keys).value()));
        }
        bool first_or_recovered = false;
        {
            const std::lock_guard lock(mutex);
            const auto now = Clock::now();
            loading = false;  // with loads, so a waiter for this load never still sees it under way
            if (keys.ok()) {
                first_or_recovered = loads == 0 || failing;
                ++loads;
                failing = false;
                if (periodic) scheduled = now + options.refresh_interval;
            } else {
                failing = true;
                if (periodic) scheduled = now + options.min_refresh_interval;  // retry soon, not hourly
            }
        }
        if (keys.ok()) {
            loaded.notify_all();
            log(first_or_recovered ? LogLevel::info : LogLevel::debug,
                "login provider " + name + ": " + std::to_string(count) + " keys loaded from " + origin);
            return;
        }
        const bool have_keys = verifier.keys() != nullptr;
        failure_log.log(
            LogLevel::warn,
            "login provider " + name + ": cannot load keys from " + origin + ": " + keys.status().message() +
                (have_keys ? "; the keys at hand stay in use"
                           : "; its tokens are refused until the keys load") +
                " (retried at most every " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::seconds>(options.min_refresh_interval).count()) +
                " s)");
    }

    void run() {
        std::unique_lock lock(mutex);
        while (!stop) {
            std::optional<Clock::time_point> due = scheduled;
            if (wanted) {
                const auto allowed = last_attempt + options.min_refresh_interval;
                due = due ? std::min(*due, allowed) : allowed;
            }
            if (!due) {
                wake.wait(lock);
                continue;
            }
            const auto now = Clock::now();
            if (now < *due) {
                wake.wait_until(lock, *due);
                continue;
            }
            wanted = false;
            last_attempt = now;
            ++attempts;
            loading = true;
            lock.unlock();
            refresh();
            lock.lock();
        }
        finished = true;
    }
};

JwksSource::JwksSource(std::unique_ptr<State> state) : state_(std::move(state)) {}

Result<std::unique_ptr<JwksSource>> JwksSource::started(std::unique_ptr<State> state) {
    const std::string name = state->verifier.provider().name;
    try {
        auto source = std::unique_ptr<JwksSource>(new JwksSource(std::move(state)));
        source->thread_ = std::thread([state = source->state_.get()] { state->run(); });
        return source;
    } catch (const std::system_error& e) {
        return Status{Errc::unavailable, "login provider " + name + ": cannot start a thread: " + e.what()};
    }
}

JwksSource::~JwksSource() {
    stop();
    if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<JwksSource>> JwksSource::open_file(LoginProvider provider, std::filesystem::path file,
                                                          JwksSourceOptions options) {
    const std::string name = provider.name;
    auto state = std::make_unique<State>(std::move(provider), std::move(options), "file " + file.string());
    state->load = [file] { return read_document(file); };
    auto keys = usable_keys(state->load());
    if (!keys.ok())
        return Status{Errc::invalid_argument, "login provider " + name + ": JwksFile " + file.string() +
                                                  ": " + keys.status().message()};
    state->verifier.replace_keys(std::make_shared<const JsonWebKeySet>(std::move(keys).value()));
    state->loads = 1;
    state->attempts = 1;
    state->last_attempt = Clock::now();  // the first re-read waits min_refresh_interval like any other
    log(LogLevel::info, "login provider " + name + ": " +
                            std::to_string(state->verifier.keys()->keys().size()) + " keys loaded from " +
                            state->origin);
    return started(std::move(state));
}

Result<std::unique_ptr<JwksSource>> JwksSource::open_url(LoginProvider provider, sync::HttpUrl url,
                                                         JwksSourceOptions options) {
    const std::string name = provider.name;
    if (!options.open_http)
        return Status{Errc::invalid_argument, "login provider " + name + ": no HTTP client to open"};
    sync::HttpClientOptions http_options;
    http_options.ca_file = options.ca_file;
    http_options.max_idle_connections = 0;  // a fetch a minute at most: no socket kept open between them
    http_options.max_response_bytes = JsonWebKeySet::kMaxDocumentBytes;
    http_options.user_agent = "synclatch-server";
    auto client = options.open_http(url.endpoint, http_options);
    if (!client.ok())
        return Status{Errc::invalid_argument, "login provider " + name + ": " + client.status().message()};
    const std::string origin = "URL " + url.endpoint.url() + url.target;
    auto state = std::make_unique<State>(std::move(provider), std::move(options), origin);
    std::shared_ptr<sync::HttpClient> http = std::move(client).value();
    state->load = [http, target = std::move(url), timeout = state->options.fetch_timeout] {
        return fetch_document(*http, target, timeout);
    };
    state->periodic = true;
    state->scheduled = Clock::now();  // the first fetch: now, in the background
    return started(std::move(state));
}

Result<VerifiedLogin> JwksSource::verify(std::string_view token, EpochMillis now,
                                         LoginTokenRejection* rejection) const {
    LoginTokenRejection why = LoginTokenRejection::none;
    auto login = state_->verifier.verify(token, now, &why);
    if (rejection != nullptr) *rejection = why;
    if (why != LoginTokenRejection::unknown_key) return login;
    state_->request_refresh();
    if (state_->verifier.keys() == nullptr) {
        return Status{Errc::unauthorized, "login token of " + state_->verifier.provider().name +
                                              ": the provider's keys are not available"};
    }
    return login;
}

void JwksSource::stop() {
    {
        const std::lock_guard lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_all();
}

bool JwksSource::stopped() const {
    const std::lock_guard lock(state_->mutex);
    return state_->finished;
}

bool JwksSource::reloading() const {
    const std::lock_guard lock(state_->mutex);
    if (state_->stop) return false;
    if (state_->loading) return true;
    const auto now = Clock::now();
    if (state_->scheduled && *state_->scheduled <= now) return true;
    return state_->wanted && state_->last_attempt + state_->options.min_refresh_interval <= now;
}

const LoginProvider& JwksSource::provider() const {
    return state_->verifier.provider();
}

std::shared_ptr<const JsonWebKeySet> JwksSource::keys() const {
    return state_->verifier.keys();
}

std::uint64_t JwksSource::loads() const {
    const std::lock_guard lock(state_->mutex);
    return state_->loads;
}

std::uint64_t JwksSource::attempts() const {
    const std::lock_guard lock(state_->mutex);
    return state_->attempts;
}

bool JwksSource::wait_for_loads(std::uint64_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->loaded.wait_for(lock, timeout, [&] { return state_->loads >= count; });
}

}  // namespace synclatch::server
