// The developer's admin key (--admin-key): the credentials an app's backend and the operator's tools sign
// with, acting on any identity and on pools.
#pragma once

#include <string>

namespace synclatch::server {

struct AdminKey {
    std::string access_key_id;
    std::string secret;
};

}  // namespace synclatch::server
