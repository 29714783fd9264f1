// Writing captured exchanges.
#include "support/capture.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

namespace synclatch::test {

namespace {

const char* capture_dir() {
    static const char* const dir = std::getenv("SYNCLATCH_CAPTURE_DIR");
    return dir != nullptr && *dir != '\0' ? dir : nullptr;
}

std::string next_stem(const char* dir) {
    static std::atomic<int> next{0};
    return std::string(dir) + "/" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

void write_file(const std::string& path, std::string_view bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

bool capture_enabled() {
    return capture_dir() != nullptr;
}

void capture_exchange(std::string_view request, std::string_view response) {
    const char* const dir = capture_dir();
    if (dir == nullptr) return;
    const std::string stem = next_stem(dir);
    write_file(stem + ".request", request);
    write_file(stem + ".response", response);
}

void capture_raw(std::string_view bytes) {
    const char* const dir = capture_dir();
    if (dir == nullptr) return;
    write_file(next_stem(dir) + ".raw", bytes);
}

}  // namespace synclatch::test
