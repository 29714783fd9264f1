// Who a request acts as, once authentication has run: anyone (auth none), one identity (its temporary
// credentials), or the developer (admin credentials, which may act on any identity and on pools).
#pragma once

#include <string>
#include <string_view>

namespace synclatch::server {

struct Principal {
    enum class Kind { anyone, identity, developer };
    Kind kind = Kind::anyone;
    std::string identity_id;  // for Kind::identity

    bool may_act_on_identity(std::string_view id) const {
        return kind != Kind::identity || identity_id == id;
    }
    bool may_act_on_pools() const { return kind != Kind::identity; }
};

}  // namespace synclatch::server
