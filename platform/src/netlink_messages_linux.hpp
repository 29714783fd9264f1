// Parsing rtnetlink messages (RTM_NEWLINK/DELLINK/NEWADDR/DELADDR, NLMSG_DONE/ERROR) into the little state
// NetlinkConnectivity needs: each interface's flags and its routable addresses. Pure functions over byte
// buffers, so tests feed them crafted messages.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>

namespace synclatch::platform::detail {

// Thread-safety: a plain value.
struct NetworkState {
    struct Link {
        unsigned flags = 0;               // IFF_* as the kernel reports them
        std::set<std::string> addresses;  // family byte + raw address bytes; routable scopes only
    };
    std::map<int, Link> links;  // by interface index

    // Some link that is not loopback is up and running and holds a routable address. Link-local and
    // host-scope addresses do not count: every up interface has an fe80:: address even without a network.
    bool online() const;
};

struct NetlinkBatch {
    bool done = false;       // an NLMSG_DONE ended a dump
    int error = 0;           // errno of an NLMSG_ERROR that is not an acknowledgement, else 0
    bool malformed = false;  // a message or attribute was truncated; the rest of the buffer was skipped
};

// Applies every message in one datagram to `state`. Never reads outside `bytes`; needs no alignment.
NetlinkBatch apply_netlink_messages(std::span<const std::uint8_t> bytes, NetworkState& state);

}  // namespace synclatch::platform::detail
