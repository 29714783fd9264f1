// rtnetlink message parsing. Headers are copied out with memcpy: a crafted or recv()'d buffer need not be
// aligned for the kernel structs.
#include "netlink_messages_linux.hpp"

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cstring>
#include <optional>

namespace synclatch::platform::detail {

namespace {

using Bytes = std::span<const std::uint8_t>;

template <class T>
std::optional<T> read_struct(Bytes bytes) {
    if (bytes.size() < sizeof(T)) return std::nullopt;
    T out;
    std::memcpy(&out, bytes.data(), sizeof(T));
    return out;
}

constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

void apply_link(std::uint16_t type, Bytes payload, NetworkState& state, NetlinkBatch& batch) {
    const auto info = read_struct<ifinfomsg>(payload);
    if (!info) {
        batch.malformed = true;
        return;
    }
    if (type == RTM_DELLINK) {
        state.links.erase(info->ifi_index);
    } else {
        state.links[info->ifi_index].flags = info->ifi_flags;
    }
}

void apply_address(std::uint16_t type, Bytes payload, NetworkState& state, NetlinkBatch& batch) {
    const auto info = read_struct<ifaddrmsg>(payload);
    if (!info) {
        batch.malformed = true;
        return;
    }
    // IFA_LOCAL is the interface's own IPv4 address (IFA_ADDRESS is the peer on point-to-point links);
    // IPv6 sends only IFA_ADDRESS.
    std::optional<Bytes> local;
    std::optional<Bytes> address;
    for (std::size_t off = align4(sizeof(ifaddrmsg)); off + sizeof(rtattr) <= payload.size();) {
        const auto attr = read_struct<rtattr>(payload.subspan(off));
        if (attr->rta_len < sizeof(rtattr) || attr->rta_len > payload.size() - off) {
            batch.malformed = true;
            return;
        }
        const Bytes value =
            payload.subspan(off + align4(sizeof(rtattr)), attr->rta_len - align4(sizeof(rtattr)));
        if (attr->rta_type == IFA_LOCAL) local = value;
        if (attr->rta_type == IFA_ADDRESS) address = value;
        off += align4(attr->rta_len);
    }
    const auto chosen = local ? local : address;
    if (!chosen || chosen->empty()) return;
    std::string key(1, static_cast<char>(info->ifa_family));
    key.append(reinterpret_cast<const char*>(chosen->data()), chosen->size());
    const auto index = static_cast<int>(info->ifa_index);
    if (type == RTM_DELADDR) {
        if (auto link = state.links.find(index); link != state.links.end()) link->second.addresses.erase(key);
    } else if (info->ifa_scope != RT_SCOPE_LINK && info->ifa_scope != RT_SCOPE_HOST &&
               info->ifa_scope != RT_SCOPE_NOWHERE) {
        state.links[index].addresses.insert(std::move(key));
    }
}

}  // namespace

bool NetworkState::online() const {
    constexpr unsigned kUp = IFF_UP | IFF_RUNNING;
    for (const auto& [index, link] : links) {
        if ((link.flags & kUp) == kUp && !(link.flags & IFF_LOOPBACK) && !link.addresses.empty()) return true;
    }
    return false;
}

NetlinkBatch apply_netlink_messages(Bytes bytes, NetworkState& state) {
    NetlinkBatch batch;
    std::size_t off = 0;
    while (bytes.size() - off >= sizeof(nlmsghdr)) {
        const auto header = read_struct<nlmsghdr>(bytes.subspan(off));
        if (header->nlmsg_len < sizeof(nlmsghdr) || header->nlmsg_len > bytes.size() - off) {
            batch.malformed = true;
            break;
        }
        const Bytes payload =
            bytes.subspan(off + align4(sizeof(nlmsghdr)), header->nlmsg_len - align4(sizeof(nlmsghdr)));
        switch (header->nlmsg_type) {
            case RTM_NEWLINK:
            case RTM_DELLINK:
                apply_link(header->nlmsg_type, payload, state, batch);
                break;
            case RTM_NEWADDR:
            case RTM_DELADDR:
                apply_address(header->nlmsg_type, payload, state, batch);
                break;
            case NLMSG_DONE:
                batch.done = true;
                break;
            case NLMSG_ERROR:
                if (const auto error = read_struct<nlmsgerr>(payload); !error) {
                    batch.malformed = true;
                } else if (error->error != 0) {
                    batch.error = -error->error;
                }
                break;
            default:
                break;  // NLMSG_NOOP, NLMSG_OVERRUN, routes and neighbours: not ours
        }
        off += align4(header->nlmsg_len);
        if (off > bytes.size()) break;
    }
    return batch;
}

}  // namespace synclatch::platform::detail
