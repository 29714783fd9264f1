// RawConnection: a plain loopback socket for bytes no well-behaved client would send, and for clients that
// connect and then never read.
#pragma once

#include <chrono>
#include <string>

namespace synclatch::test {

class RawConnection {
  public:
    // Connects to 127.0.0.1:port; receive_buffer_bytes > 0 shrinks the socket's receive buffer first, so
    // a client that never reads makes the server hold what it sends instead of the kernel. source_address:
    // a loopback address to connect from (127.0.0.2, say), for a second "client address".
    explicit RawConnection(unsigned short port, int receive_buffer_bytes = 0,
                           const std::string& source_address = "");
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool connected() const { return connected_; }
    // Sends all of bytes unless the connection fails; returns whether it all went.
    bool send(const std::string& bytes);
    void close();
    // Everything the server sends until it closes the connection or `wait` passes.
    std::string read_until_closed(std::chrono::milliseconds wait, bool* closed = nullptr);

  private:
    int fd_ = -1;
    bool connected_ = false;
};

// A request with a Content-Length header, as raw bytes.
std::string raw_request(const std::string& method, const std::string& target, const std::string& body);

}  // namespace synclatch::test
