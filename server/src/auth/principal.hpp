// Who a request acts as, once authentication has run: anyone (auth none), one identity (its temporary
// credentials), the developer (admin credentials, which may act on any identity and on pools), or a stream
// reader (a --stream-reader-key: a peer deployment's bridge, which may read the event streams and nothing
// else).
#pragma once

#include <string>
#include <string_view>

namespace synclatch::server {

struct Principal {
    enum class Kind { anyone, identity, developer, stream_reader };
    Kind kind = Kind::anyone;
    std::string identity_id;  // for Kind::identity

    bool may_act_on_identity(std::string_view id) const {
        return kind == Kind::anyone || kind == Kind::developer ||
               (kind == Kind::identity && identity_id == id);
    }
    bool may_act_on_pools() const { return kind == Kind::anyone || kind == Kind::developer; }
    bool may_read_streams() const { return kind != Kind::identity; }
};

}  // namespace synclatch::server
