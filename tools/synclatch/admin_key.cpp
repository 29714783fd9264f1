// Split at the first ':' (access key ids have none; a secret may).
#include "admin_key.hpp"

#include <string>

namespace synclatch::cli {

Result<std::optional<sync::sigv4::Credentials>> parse_admin_key(std::string_view value) {
    if (value.empty()) return std::optional<sync::sigv4::Credentials>();
    const auto colon = value.find(':');
    if (colon == 0 || colon == std::string_view::npos || colon + 1 == value.size())
        return Status{Errc::invalid_argument, "--admin-key must be ACCESS:SECRET"};
    return std::optional<sync::sigv4::Credentials>(sync::sigv4::Credentials{
        std::string(value.substr(0, colon)), std::string(value.substr(colon + 1)), ""});
}

}  // namespace synclatch::cli
