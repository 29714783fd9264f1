// Spawning a child on pipes, and reading its output line by line.
#include "piped_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace synclatch::bench {

PipedChild::PipedChild(std::vector<std::string> args, bool search_path) : name_(args.at(0)) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("cannot make pipes");
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(in[0]);
        ::close(in[1]);
        throw std::runtime_error("cannot make pipes");
    }
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    const int rc = search_path ? posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ)
                               : posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
        ::close(in[1]);
        ::close(out[0]);
        pid_ = -1;
        throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
    }
    to_child_ = in[1];
    from_child_ = out[0];
}

PipedChild::~PipedChild() {
    close_input();
    if (from_child_ >= 0) ::close(from_child_);
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void PipedChild::send(const std::string& line) {
    const std::string text = line + "\n";
    if (::write(to_child_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw std::runtime_error(name_ + ": a child process is gone");
}

void PipedChild::close_input() {
    if (to_child_ >= 0) ::close(to_child_);
    to_child_ = -1;
}

int PipedChild::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return status;
}

void PipedChild::pump() {
    char buffer[65536];
    const ssize_t n = ::read(from_child_, buffer, sizeof buffer);
    if (n <= 0) {
        eof_ = true;
        return;
    }
    partial_.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t at; (at = partial_.find('\n')) != std::string::npos;) {
        lines_.push_back(partial_.substr(0, at));
        partial_.erase(0, at + 1);
    }
}

std::optional<std::string> PipedChild::take_line() {
    if (lines_.empty()) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
}

std::string PipedChild::read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (lines_.empty()) {
        if (eof_) throw std::runtime_error(name_ + ": a child process ended");
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) throw std::runtime_error(name_ + ": a child process did not answer in time");
        pollfd p{from_child_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) > 0) pump();
    }
    return *take_line();
}

std::string PipedChild::read_all(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{from_child_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) > 0) pump();
    }
    std::string text;
    for (auto& line : lines_)
        text.append(line).append("\n");
    lines_.clear();
    text += partial_;
    partial_.clear();
    return text;
}

}  // namespace synclatch::bench
