// The C API's sign-in and sign-out: the app's logins callback as the client's LoginsSource.
#include <map>
#include <string>

#include "handles.hpp"

struct sl_logins {
    synclatch::sync::Logins logins;
};

using namespace synclatch;
using c_api::guarded;
using c_api::refuse;
using c_api::report;

extern "C" {

bool sl_logins_add(sl_logins* logins, const char* provider, const char* token) {
    if (logins == nullptr || provider == nullptr || token == nullptr || provider[0] == '\0') return false;
    return guarded(nullptr, false, [&] {
        logins->logins.insert_or_assign(provider, token);
        return true;
    });
}

bool sl_client_sign_in(sl_client* client, sl_logins_fn logins, void* context, sl_free_fn free_context,
                       sl_error* error) {
    auto holder = std::make_shared<c_api::AppContext>(context, free_context);  // freed on every way out
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        if (logins == nullptr) return refuse(error, "logins must not be NULL");
        sync::LoginsSource source = [logins, holder]() -> Result<sync::Logins> {
            sl_logins out;
            if (!logins(holder->context, &out))
                return Status{Errc::unauthorized, "the app has no logins for the user now"};
            return std::move(out.logins);
        };
        return report(client->state->client->sign_in(std::move(source)), error);
    });
}

bool sl_client_signed_in(const sl_client* client) {
    return client != nullptr && client->state->client->signed_in();
}

bool sl_client_sign_out(sl_client* client, sl_sign_out_mode mode, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        SignOutMode how = SignOutMode::refuse_if_unsynced;
        switch (mode) {
            case SL_SIGN_OUT_REFUSE_IF_UNSYNCED:
                how = SignOutMode::refuse_if_unsynced;
                break;
            case SL_SIGN_OUT_SYNC_FIRST:
                how = SignOutMode::sync_first;
                break;
            case SL_SIGN_OUT_DISCARD_UNSYNCED:
                how = SignOutMode::discard_unsynced;
                break;
            default:
                return refuse(error, "mode must be one of sl_sign_out_mode");
        }
        return report(client->state->client->sign_out(how), error);
    });
}

}  // extern "C"
