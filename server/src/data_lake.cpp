// Appending stream records to the lake's files.
#include "data_lake.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_text.hpp"
#include "log.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace fs = std::filesystem;
using sync::detail::append_json_field;

namespace {

constexpr std::int64_t kBatch = 500;
constexpr const char* kCheckpointStream = "all";
constexpr EpochMillis kCheckpointEveryMs = 5000;

Status io_error(const std::string& what, const std::string& path) {
    return {Errc::storage, "data lake: " + what + " " + path + ": " + std::strerror(errno)};
}

Status sync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open folder", dir.string());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    return synced ? Status{} : io_error("cannot sync folder", dir.string());
}

// The offset of the last '\n' before `end`, or -1; reads backwards a chunk at a time.
std::int64_t last_newline(int fd, std::int64_t end) {
    char chunk[64 * 1024];
    while (end > 0) {
        const std::int64_t start = std::max<std::int64_t>(0, end - static_cast<std::int64_t>(sizeof chunk));
        const auto n = ::pread(fd, chunk, static_cast<std::size_t>(end - start), start);
        if (n <= 0) return -1;
        for (std::int64_t i = n - 1; i >= 0; --i) {
            if (chunk[i] == '\n') return start + i;
        }
        end = start;
    }
    return -1;
}

std::string line_of(const StreamRecord& r, const std::string& deployment) {
    std::string line;
    line.reserve(r.data.size() + 200);
    line += '{';
    append_json_field(line, "stream", r.stream);
    line += ',';
    append_json_field(line, "seq", r.seq);
    line += ',';
    append_json_field(line, "partitionKey", r.partition_key);
    line += ',';
    append_json_field(line, "created", r.created);
    line += ',';
    append_json_field(line, "deployment", deployment);
    line += ",\"data\":";
    line += r.data;  // stored as JSON text by the server itself
    line += "}\n";
    return line;
}

}  // namespace

DataLake::DataLake(SyncStore& store, Metrics& metrics, std::function<EpochMillis()> clock,
                   DataLakeOptions options)
    : store_(store), metrics_(metrics), clock_(std::move(clock)), options_(std::move(options)) {}

DataLake::~DataLake() {
    if (Status s = store_checkpoint(); !s.ok()) log(LogLevel::warn, s.to_string());
    close_file();
}

Status DataLake::resume() {
    std::error_code error;
    fs::create_directories(options_.dir, error);
    if (error) return {Errc::storage, "data lake: cannot create " + options_.dir + ": " + error.message()};
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(options_.dir, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".ndjson") files.push_back(entry.path());
    }
    if (error) return {Errc::storage, "data lake: cannot list " + options_.dir + ": " + error.message()};
    std::sort(files.begin(), files.end());
    // Newest first, to the first file with a whole line (a crash right after a rotation leaves the newest
    // one empty).
    for (auto file = files.rbegin(); file != files.rend() && last_written_ == 0; ++file) {
        const int fd = ::open(file->c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) return io_error("cannot open", file->string());
        struct stat st {};
        ::fstat(fd, &st);
        const std::int64_t size = st.st_size;
        // A crash may have cut the last line short: drop it (its record is written again, whole).
        const std::int64_t end = last_newline(fd, size);
        if (end + 1 < size && (::ftruncate(fd, end + 1) != 0 || ::fsync(fd) != 0)) {
            ::close(fd);
            return io_error("cannot truncate", file->string());
        }
        if (end >= 0) {
            const std::int64_t start = last_newline(fd, end) + 1;
            std::string line(static_cast<std::size_t>(end - start), '\0');
            if (::pread(fd, line.data(), line.size(), start) == static_cast<ssize_t>(line.size())) {
                const auto parsed = sync::parse_json_text(line, sync::kJsonPageLimits);
                if (parsed.is_object() && parsed.contains("seq") && parsed.at("seq").is_number_integer())
                    last_written_ = parsed.at("seq").get<std::int64_t>();
            }
        }
        ::close(fd);
    }
    checkpointed_at_ = clock_();
    resumed_ = true;
    return {};
}

Status DataLake::open_file(std::int64_t first_seq) {
    const EpochMillis now = clock_();
    const std::time_t seconds = static_cast<std::time_t>(now / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char day[16], name[64];
    std::strftime(day, sizeof day, "%Y-%m-%d", &utc);
    const int length = std::snprintf(name, sizeof name, "%02d%02d%02dZ-%012lld.ndjson", utc.tm_hour,
                                     utc.tm_min, utc.tm_sec, static_cast<long long>(first_seq));
    if (length <= 0) return {Errc::internal, "data lake: cannot name a file"};
    const fs::path folder = fs::path(options_.dir) / day;
    std::error_code error;
    const bool made = fs::create_directories(folder, error);
    if (error) return {Errc::storage, "data lake: cannot create " + folder.string() + ": " + error.message()};
    if (made) {
        if (Status s = sync_dir(options_.dir); !s.ok()) return s;
    }
    const fs::path path = folder / name;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error("cannot create", path.string());
    file_bytes_ = 0;
    file_opened_ = now;
    return sync_dir(folder);  // the new file's name is durable before lines are counted as written
}

void DataLake::close_file() {
    if (fd_ < 0) return;
    ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
}

Result<bool> DataLake::step() {
    if (!resumed_) {
        if (Status s = resume(); !s.ok()) return s;
    }
    auto checkpoint = store_.checkpoint(kCheckpointStream, name_);
    if (!checkpoint.ok()) return checkpoint.status();
    const std::int64_t after = std::max(*checkpoint, last_written_);
    auto records = store_.read_all_streams(after, kBatch);
    if (!records.ok()) return records.status();
    const auto rotation_due = [&] {
        return file_bytes_ >= options_.rotate_bytes ||
               clock_() - file_opened_ >= std::chrono::milliseconds(options_.rotate_age).count();
    };
    if (records->empty()) {
        if (fd_ >= 0 && rotation_due()) close_file();  // an idle file still closes on time
        return false;
    }
    for (const auto& record : *records) {
        if (fd_ >= 0 && rotation_due()) close_file();
        if (fd_ < 0) {
            if (Status s = open_file(record.seq); !s.ok()) return s;
        }
        const std::string line = line_of(record, store_.deployment_id());
        std::size_t done = 0;
        while (done < line.size()) {
            const auto n = ::write(fd_, line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const Status failed = io_error("cannot write", options_.dir);
                close_file();
                resumed_ = false;  // the next step finds where the file really ends
                return failed;
            }
            done += static_cast<std::size_t>(n);
        }
        file_bytes_ += static_cast<std::int64_t>(line.size());
    }
    last_written_ = records->back().seq;
    metrics_.count_processor_events(name_, "archived", records->size());
    // The files say how far the lake got (resume() reads it back); the checkpoint only covers files moved
    // away since, so it is stored now and then, not per batch: a transaction on the server's one writer
    // per batch would slow every client's writes.
    if (clock_() - checkpointed_at_ >= kCheckpointEveryMs) {
        if (Status s = store_checkpoint(); !s.ok()) return s;
    }
    return true;
}

Status DataLake::store_checkpoint() {
    if (last_written_ == checkpointed_) return {};
    // Lines reach the disk before a checkpoint that says they are there.
    if (fd_ >= 0 && ::fsync(fd_) != 0) return io_error("cannot sync", options_.dir);
    if (Status s = store_.set_checkpoint(kCheckpointStream, name_, last_written_, clock_()); !s.ok())
        return s;
    checkpointed_ = last_written_;
    checkpointed_at_ = clock_();
    return {};
}

}  // namespace synclatch::server
