// Text and JSON printing, and the in-place progress line ("\r" redraws; cleared before other output).
#include "output.hpp"

#include <unistd.h>

#include <cstdio>

namespace synclatch::cli {

Output::Output(bool json) : json_(json), terminal_(::isatty(STDERR_FILENO) == 1) {}

void Output::result(const nlohmann::json& document, std::string_view text) {
    end_progress();
    if (json_) {
        std::printf("%s\n", document.dump().c_str());
    } else if (!text.empty()) {
        std::printf("%.*s\n", static_cast<int>(text.size()), text.data());
    }
    std::fflush(stdout);
}

nlohmann::json error_json(const Status& status) {
    return {{"code", std::string(to_string(status.code()))},
            {"message", status.message()},
            {"retryable", status.retryable()}};
}

void Output::error(std::string_view what, const Status& status) {
    warn(what, status);
    if (json_) {
        auto error = error_json(status);
        error["what"] = what;
        std::printf("%s\n", nlohmann::json{{"error", error}}.dump().c_str());
        std::fflush(stdout);
    }
}

void Output::warn(std::string_view what, const Status& status) {
    end_progress();
    std::fprintf(stderr, "synclatch: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 status.to_string().c_str());
}

void Output::progress(std::string_view dataset, const sync::SyncProgress& progress, std::int64_t to_push) {
    if (!terminal_) return;
    char line[160];
    if (progress.phase == sync::SyncProgress::Phase::pulling) {
        std::snprintf(line, sizeof line, "%.*s: pulled %lld records (%lld pages)",
                      static_cast<int>(dataset.size()), dataset.data(),
                      static_cast<long long>(progress.records), static_cast<long long>(progress.pages));
    } else {
        constexpr int kWidth = 30;
        const int filled =
            to_push > 0
                ? static_cast<int>(kWidth * std::min<std::int64_t>(progress.records, to_push) / to_push)
                : kWidth;
        std::string bar(static_cast<std::size_t>(filled), '=');
        bar.resize(kWidth, ' ');
        std::snprintf(line, sizeof line, "%.*s: pushing [%s] %lld/%lld", static_cast<int>(dataset.size()),
                      dataset.data(), bar.c_str(), static_cast<long long>(progress.records),
                      static_cast<long long>(to_push));
    }
    std::fprintf(stderr, "\r\033[K%s", line);
    std::fflush(stderr);
    drawn_ = true;
}

void Output::end_progress() {
    if (!drawn_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace synclatch::cli
