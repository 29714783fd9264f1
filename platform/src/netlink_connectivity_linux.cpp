// NetlinkConnectivity: the Linux ConnectivityMonitor. It dumps links and addresses at start, then follows
// the kernel's RTMGRP_LINK/IFADDR multicasts on a thread of its own, debounces bursts (an interface coming
// up sends a dozen messages) and notifies subscribers when online() changes. The thread sleeps in poll() on
// the netlink socket and an eventfd, so the destructor can wake and join it at once.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include "connectivity_listeners.hpp"
#include "netlink_messages_linux.hpp"
#include "synclatch/platform/connectivity.hpp"

namespace synclatch::platform {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kDebounce{300};
constexpr std::chrono::milliseconds kInitialDumpDeadline{2000};
constexpr std::size_t kReceiveBuffer = 64 * 1024;  // a netlink datagram never exceeds this

class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }

  private:
    int fd_;
};

Status os_error(const char* what, int error) {
    return {Errc::unavailable, std::string("netlink connectivity: ") + what + ": " + std::strerror(error)};
}

// Sends a dump request; the answers arrive on the socket like any event and end with NLMSG_DONE.
bool request_dump(int fd, std::uint16_t type, std::uint32_t seq) {
    struct {
        nlmsghdr header;
        rtgenmsg body;
    } request{};
    request.header.nlmsg_len = sizeof(request);
    request.header.nlmsg_type = type;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = seq;
    request.body.rtgen_family = AF_UNSPEC;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    return ::sendto(fd, &request, sizeof(request), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) ==
           static_cast<ssize_t>(sizeof(request));
}

// Which dump is in flight: links first, then addresses (the kernel serves one dump per socket at a time).
enum class Dump { none, links, addresses };

enum class Drained { ok, overflow, dump_failed };

// Reads everything the socket holds now into `state`, and moves a dump in flight along. overflow: the
// kernel dropped messages (ENOBUFS), so the state must be rebuilt from a fresh dump.
Drained drain(int fd, std::vector<std::uint8_t>& buffer, detail::NetworkState& state, Dump& dump,
              std::uint32_t& seq) {
    for (;;) {
        sockaddr_nl from{};
        socklen_t from_len = sizeof(from);
        const auto n =
            ::recvfrom(fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == ENOBUFS ? Drained::overflow : Drained::ok;  // EAGAIN: drained
        }
        if (from.nl_pid != 0) continue;  // only the kernel speaks on this socket
        const auto batch =
            detail::apply_netlink_messages({buffer.data(), static_cast<std::size_t>(n)}, state);
        if (batch.error != 0 && dump != Dump::none) {
            dump = Dump::none;
            return Drained::dump_failed;
        }
        if (batch.done && dump == Dump::links) {
            dump = request_dump(fd, RTM_GETADDR, ++seq) ? Dump::addresses : Dump::none;
        } else if (batch.done && dump == Dump::addresses) {
            dump = Dump::none;
        }
    }
}

class NetlinkConnectivity final : public ConnectivityMonitor {
  public:
    NetlinkConnectivity(UniqueFd socket, UniqueFd wake, detail::NetworkState state)
        : socket_(std::move(socket)),
          wake_(std::move(wake)),
          state_(std::move(state)),
          online_(state_.online()),
          listeners_(std::make_shared<detail::ConnectivityListeners>()),
          buffer_(kReceiveBuffer) {
        thread_ = std::thread([this] { run(); });
    }

    ~NetlinkConnectivity() override {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wake_.get(), &one, sizeof(one));
        thread_.join();
    }

    bool online() const override { return online_.load(std::memory_order_acquire); }

    // Callbacks run on the monitor's thread.
    ConnectivitySubscription on_change(std::function<void(bool online)> callback) override {
        return listeners_->add(std::move(callback), online());
    }

  private:
    void run() {
        bool pending = false;  // a change arrived and waits for the debounce to pass
        Clock::time_point flush_at;
        std::uint32_t seq = 100;
        Dump dump = Dump::none;
        for (;;) {
            std::array<pollfd, 2> fds{{{socket_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
            int timeout = -1;  // while a dump is in flight, its answer is what we wait for
            if (pending && dump == Dump::none) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(flush_at - Clock::now());
                timeout = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
            }
            if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) return;
            if (fds[1].revents != 0) return;
            if (fds[0].revents != 0) {
                // After a failed dump the state stays as it is: asking again could spin on a refusal.
                if (drain(socket_.get(), buffer_, state_, dump, seq) == Drained::overflow) {
                    // The kernel dropped events: start over from a dump rather than trust a partial picture.
                    state_ = {};
                    dump = request_dump(socket_.get(), RTM_GETLINK, ++seq) ? Dump::links : Dump::none;
                }
                if (!pending) flush_at = Clock::now() + kDebounce;  // not pushed back by later bursts
                pending = true;
            }
            if (pending && dump == Dump::none && Clock::now() >= flush_at) {
                pending = false;
                const bool now = state_.online();
                if (now != online_.exchange(now, std::memory_order_acq_rel)) {
                    listeners_->notify([this] { return online(); });
                }
            }
        }
    }

    UniqueFd socket_;
    UniqueFd wake_;
    detail::NetworkState state_;  // after the constructor, only the thread touches it
    std::atomic<bool> online_;
    std::shared_ptr<detail::ConnectivityListeners> listeners_;
    std::vector<std::uint8_t> buffer_;
    std::thread thread_;
};

// The initial picture, read synchronously so online() is right as soon as open returns.
Result<detail::NetworkState> initial_dump(int fd, std::vector<std::uint8_t>& buffer) {
    detail::NetworkState state;
    Dump dump = request_dump(fd, RTM_GETLINK, 1) ? Dump::links : Dump::none;
    if (dump == Dump::none) return os_error("request links", errno);
    std::uint32_t seq = 1;
    const auto until = Clock::now() + kInitialDumpDeadline;
    while (dump != Dump::none) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0)
            return Status{Errc::unavailable, "netlink connectivity: the kernel did not answer the dump"};
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(left)) < 0 && errno != EINTR) return os_error("poll", errno);
        if (drain(fd, buffer, state, dump, seq) != Drained::ok) {
            return Status{Errc::unavailable, "netlink connectivity: the initial dump failed"};
        }
    }
    return state;
}

}  // namespace

Result<std::unique_ptr<ConnectivityMonitor>> open_system_connectivity() {
    UniqueFd socket(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
    if (socket.get() < 0) return os_error("socket", errno);
    sockaddr_nl local{};
    local.nl_family = AF_NETLINK;
    local.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&local), sizeof(local)) < 0)
        return os_error("bind", errno);
    UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (wake.get() < 0) return os_error("eventfd", errno);
    std::vector<std::uint8_t> buffer(kReceiveBuffer);
    auto state = initial_dump(socket.get(), buffer);
    if (!state) return state.status();
    try {
        return std::unique_ptr<ConnectivityMonitor>(std::make_unique<NetlinkConnectivity>(
            std::move(socket), std::move(wake), std::move(state).value()));
    } catch (const std::system_error& e) {  // the thread could not start
        return Status{Errc::unavailable, std::string("netlink connectivity: ") + e.what()};
    }
}

}  // namespace synclatch::platform
