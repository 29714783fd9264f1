// store_crash_writer PATH TAG: writes to a local store in an endless loop and, after each write returns ok,
// prints "put <n>" or "batch <n>" on stdout. The crash test kills it with SIGKILL and then checks that
// everything it reported is in the store.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "synclatch/core/local_store.hpp"

using namespace synclatch::core;

namespace {

// write(2) directly: the report must leave the process the moment the commit returned, with no buffer
// that a SIGKILL could drop.
void report(const std::string& line) {
    const std::string text = line + "\n";
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
        if (n <= 0) _exit(3);
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: store_crash_writer PATH TAG\n");
        return 2;
    }
    StoreOptions options;
    options.path = argv[1];           // default durability: full
    const std::string tag = argv[2];  // part of every value, so each run's writes differ from the last
    auto store = LocalStore::open(options);
    if (!store.ok()) {
        std::fprintf(stderr, "open: %s\n", store.status().to_string().c_str());
        return 1;
    }
    auto dataset = (*store)->open_or_create_dataset("crash");
    if (!dataset.ok()) return 1;
    for (long n = 0;; ++n) {
        if (n % 10 == 9) {
            // A batch of three keys in one transaction.
            std::map<std::string, std::string> batch;
            for (int k = 0; k < 3; ++k)
                batch["batch-" + std::to_string(n) + "-" + std::to_string(k)] = tag + "-" + std::to_string(n);
            if (!dataset->put_all(batch).ok()) return 1;
            report("batch " + std::to_string(n));
        } else {
            if (!dataset->put("put-" + std::to_string(n), tag + "-" + std::to_string(n)).ok()) return 1;
            report("put " + std::to_string(n));
        }
    }
}
