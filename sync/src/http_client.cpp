// HttpResponse's header lookup.
#include "synclatch/sync/http_client.hpp"

#include "synclatch/sync/detail/ascii.hpp"

namespace synclatch::sync {

std::string_view HttpResponse::header(std::string_view name) const noexcept {
    for (const auto& [header, value] : headers) {
        if (detail::equals_ignoring_case(header, name)) return value;
    }
    return {};
}

}  // namespace synclatch::sync
