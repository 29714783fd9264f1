// The Linux monitor: the rtnetlink parser fed crafted RTM_NEWLINK/DELLINK/NEWADDR/DELADDR, NLMSG_DONE and
// NLMSG_ERROR datagrams (including truncated and unaligned ones), and the real monitor on this machine,
// compared with getifaddrs().
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <vector>

#include "netlink_messages_linux.hpp"
#include "synclatch/platform/connectivity.hpp"

namespace {

using namespace synclatch;
using platform::detail::apply_netlink_messages;
using platform::detail::NetworkState;
using Bytes = std::vector<std::uint8_t>;

constexpr unsigned kUpRunning = IFF_UP | IFF_RUNNING;

template <class T>
void append(Bytes& out, const T& value) {
    // resize + memcpy: GCC 12 at -O2 warns (stringop-overflow, a false positive) on vector::insert here.
    const std::size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

void pad4(Bytes& out) {
    out.resize((out.size() + 3) & ~std::size_t{3}, 0);
}

// One netlink message (header + body) appended to `datagram`.
void message(Bytes& datagram, std::uint16_t type, const Bytes& body) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(sizeof(nlmsghdr) + body.size());
    header.nlmsg_type = type;
    append(datagram, header);
    datagram.insert(datagram.end(), body.begin(), body.end());
    pad4(datagram);
}

Bytes link(int index, unsigned flags) {
    ifinfomsg info{};
    info.ifi_family = AF_UNSPEC;
    info.ifi_index = index;
    info.ifi_flags = flags;
    Bytes body;
    append(body, info);
    return body;
}

Bytes address(int index, const char* text, unsigned char scope, unsigned short attribute = IFA_ADDRESS) {
    const bool v6 = std::strchr(text, ':') != nullptr;
    std::array<std::uint8_t, 16> raw{};
    REQUIRE(::inet_pton(v6 ? AF_INET6 : AF_INET, text, raw.data()) == 1);
    ifaddrmsg info{};
    info.ifa_family = static_cast<unsigned char>(v6 ? AF_INET6 : AF_INET);
    info.ifa_prefixlen = v6 ? 64 : 24;
    info.ifa_scope = scope;
    info.ifa_index = static_cast<unsigned>(index);
    Bytes body;
    append(body, info);
    pad4(body);
    rtattr attr{};
    const std::size_t size = v6 ? 16 : 4;
    attr.rta_len = static_cast<unsigned short>(sizeof(rtattr) + size);
    attr.rta_type = attribute;
    append(body, attr);
    body.insert(body.end(), raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(size));
    pad4(body);
    return body;
}

Bytes error_body(int error) {
    nlmsgerr body{};
    body.error = error;
    Bytes out;
    append(out, body);
    return out;
}

}  // namespace

TEST_CASE("netlink: online needs a running non-loopback link with a routable address",
          "[platform][connectivity][netlink]") {
    NetworkState state;
    Bytes datagram;  // several messages in one datagram, as a dump sends them
    message(datagram, RTM_NEWLINK, link(1, kUpRunning | IFF_LOOPBACK));
    message(datagram, RTM_NEWADDR, address(1, "127.0.0.1", RT_SCOPE_HOST));
    message(datagram, RTM_NEWLINK, link(2, kUpRunning));
    message(datagram, RTM_NEWADDR, address(2, "fe80::1", RT_SCOPE_LINK));
    auto batch = apply_netlink_messages(datagram, state);
    CHECK_FALSE(batch.malformed);
    CHECK_FALSE(batch.done);
    CHECK_FALSE(state.online());  // loopback, and a link-local address only

    Bytes global;
    message(global, RTM_NEWADDR, address(2, "192.0.2.10", RT_SCOPE_UNIVERSE, IFA_LOCAL));
    apply_netlink_messages(global, state);
    CHECK(state.online());
}

TEST_CASE("netlink: deleting the last routable address or downing the link goes offline",
          "[platform][connectivity][netlink]") {
    NetworkState state;
    Bytes up;
    message(up, RTM_NEWLINK, link(3, kUpRunning));
    message(up, RTM_NEWADDR, address(3, "2001:db8::5", RT_SCOPE_UNIVERSE));
    message(up, RTM_NEWADDR, address(3, "198.51.100.7", RT_SCOPE_UNIVERSE));
    apply_netlink_messages(up, state);
    REQUIRE(state.online());

    SECTION("RTM_DELADDR of each address") {
        Bytes del;
        message(del, RTM_DELADDR, address(3, "2001:db8::5", RT_SCOPE_UNIVERSE));
        apply_netlink_messages(del, state);
        CHECK(state.online());  // one address left
        del.clear();
        message(del, RTM_DELADDR, address(3, "198.51.100.7", RT_SCOPE_UNIVERSE));
        apply_netlink_messages(del, state);
        CHECK_FALSE(state.online());
    }
    SECTION("RTM_NEWLINK without IFF_RUNNING (cable out)") {
        Bytes down;
        message(down, RTM_NEWLINK, link(3, IFF_UP));
        apply_netlink_messages(down, state);
        CHECK_FALSE(state.online());
        down.clear();
        message(down, RTM_NEWLINK, link(3, kUpRunning));  // the addresses survive a carrier flap
        apply_netlink_messages(down, state);
        CHECK(state.online());
    }
    SECTION("RTM_DELLINK") {
        Bytes gone;
        message(gone, RTM_DELLINK, link(3, 0));
        apply_netlink_messages(gone, state);
        CHECK_FALSE(state.online());
        CHECK(state.links.empty());
    }
}

TEST_CASE("netlink: reports NLMSG_DONE and errors, not acknowledgements",
          "[platform][connectivity][netlink]") {
    NetworkState state;
    Bytes done;
    message(done, NLMSG_DONE, Bytes(4, 0));
    CHECK(apply_netlink_messages(done, state).done);

    Bytes ack;
    message(ack, NLMSG_ERROR, error_body(0));
    CHECK(apply_netlink_messages(ack, state).error == 0);

    Bytes busy;
    message(busy, NLMSG_ERROR, error_body(-EBUSY));
    CHECK(apply_netlink_messages(busy, state).error == EBUSY);
}

TEST_CASE("netlink: truncated and unaligned datagrams are read safely", "[platform][connectivity][netlink]") {
    Bytes datagram;
    message(datagram, RTM_NEWLINK, link(4, kUpRunning));
    message(datagram, RTM_NEWADDR, address(4, "203.0.113.9", RT_SCOPE_UNIVERSE));

    SECTION("every prefix parses without reading past its end, and only a whole datagram is online") {
        for (std::size_t size = 0; size < datagram.size(); ++size) {
            NetworkState state;
            const Bytes prefix(datagram.begin(), datagram.begin() + static_cast<std::ptrdiff_t>(size));
            apply_netlink_messages(prefix,
                                   state);  // a heap copy of exactly `size` bytes: ASan sees overreads
            CHECK_FALSE(state.online());
        }
    }
    SECTION("a length field beyond the buffer is malformed and changes nothing") {
        Bytes lying = datagram;
        nlmsghdr header{};
        std::memcpy(&header, lying.data(), sizeof(header));
        header.nlmsg_len = 4096;
        std::memcpy(lying.data(), &header, sizeof(header));
        NetworkState state;
        CHECK(apply_netlink_messages(lying, state).malformed);
        CHECK(state.links.empty());
    }
    SECTION("at an odd address") {
        Bytes shifted(1, 0);
        shifted.insert(shifted.end(), datagram.begin(), datagram.end());
        NetworkState state;
        const auto batch = apply_netlink_messages(std::span<const std::uint8_t>(shifted).subspan(1), state);
        CHECK_FALSE(batch.malformed);
        CHECK(state.online());
    }
}

TEST_CASE("open_system_connectivity: reports this machine's state and stops promptly",
          "[platform][connectivity][netlink]") {
    // The same rule computed independently from getifaddrs().
    bool expected = false;
    ifaddrs* list = nullptr;
    REQUIRE(::getifaddrs(&list) == 0);
    for (const ifaddrs* entry = list; entry; entry = entry->ifa_next) {
        if (!entry->ifa_addr || (entry->ifa_flags & kUpRunning) != kUpRunning ||
            (entry->ifa_flags & IFF_LOOPBACK)) {
            continue;
        }
        if (entry->ifa_addr->sa_family == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
            expected = expected || (ntohl(v4->sin_addr.s_addr) >> 16) != 0xa9fe;  // not 169.254/16
        } else if (entry->ifa_addr->sa_family == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
            expected = expected || !IN6_IS_ADDR_LINKLOCAL(&v6->sin6_addr);
        }
    }
    ::freeifaddrs(list);

    auto opened = platform::open_system_connectivity();
    REQUIRE(opened.ok());
    auto monitor = std::move(opened).value();
    CHECK(monitor->online() == expected);
    auto subscription = monitor->on_change([](bool) {});
    const auto start = std::chrono::steady_clock::now();
    monitor.reset();  // wakes and joins the monitor's thread
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
}
