// Appending stream records to the lake's files.
#include "processors/data_lake.hpp"

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

#include "synclatch/sync/detail/json_text.hpp"
#include "synclatch/sync/protocol_json.hpp"
#include "telemetry/log.hpp"

namespace synclatch::server {

namespace fs = std::filesystem;
using sync::detail::append_json_field;

namespace {

constexpr std::int64_t kBatch = 500;
constexpr const char* kCheckpointStream = "all";
constexpr EpochMillis kCheckpointEveryMs = 5000;

Status io_error(const std::string& what, const std::string& path, int error = errno) {
    return {Errc::storage, "data lake: " + what + " " + path + ": " + std::strerror(error)};
}

Status sync_dir(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error("cannot open folder", dir.string());
    const bool synced = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    return synced ? Status{} : io_error("cannot sync folder", dir.string(), error);
}

// The offset of the last '\n' before `end`, -1 when there is none, -2 when the file cannot be read; reads
// backwards a chunk at a time.
std::int64_t last_newline(int fd, std::int64_t end) {
    char chunk[64 * 1024];
    while (end > 0) {
        const std::int64_t start = std::max<std::int64_t>(0, end - static_cast<std::int64_t>(sizeof chunk));
        const auto n = ::pread(fd, chunk, static_cast<std::size_t>(end - start), start);
        if (n < 0 && errno == EINTR) continue;
        if (n != end - start) return -2;  // a read error must not pass for "no line here"
        for (std::int64_t i = n - 1; i >= 0; --i) {
            if (chunk[i] == '\n') return start + i;
        }
        end = start;
    }
    return -1;
}

struct Trimmed {
    std::int64_t length = 0;    // the file's length now: up to and with its last '\n'
    std::int64_t last_seq = 0;  // the seq of its last whole line; 0 when it has none
};

// Drops a torn last line of the file open (read-write) at fd: what follows its last '\n', left by a crash
// or a failed write (that record is written again, whole); and reads the seq of the last whole line.
Result<Trimmed> trim_torn_tail(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return io_error("cannot read", path);
    const std::int64_t end = last_newline(fd, st.st_size);
    if (end < -1) return io_error("cannot read", path);
    Trimmed trimmed{end + 1, 0};
    if (trimmed.length < st.st_size && (::ftruncate(fd, trimmed.length) != 0 || ::fsync(fd) != 0))
        return io_error("cannot truncate", path);
    if (end < 0) return trimmed;
    const std::int64_t start = last_newline(fd, end) + 1;
    if (start < 0) return io_error("cannot read", path);
    std::string line(static_cast<std::size_t>(end - start), '\0');
    if (::pread(fd, line.data(), line.size(), start) != static_cast<ssize_t>(line.size()))
        return io_error("cannot read", path);
    const auto parsed = sync::parse_json_text(line, sync::kJsonPageLimits);
    if (parsed.is_object() && parsed.contains("seq") && parsed.at("seq").is_number_integer())
        trimmed.last_seq = parsed.at("seq").get<std::int64_t>();
    return trimmed;
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

DataLake::DataLake(Storage& store, Metrics& metrics, std::function<EpochMillis()> clock,
                   DataLakeOptions options)
    : store_(store), metrics_(metrics), clock_(std::move(clock)), options_(std::move(options)) {
    if (!options_.write) {
        options_.write = [](int fd, const char* data, std::size_t size) -> long {
            return ::write(fd, data, size);
        };
    }
}

DataLake::~DataLake() {
    if (Status s = store_checkpoint(); !s.ok()) log(LogLevel::warn, s.to_string());
    // What a failed write left of a line goes now (or else at the next start: this file is the newest).
    if (torn_ && ::ftruncate(fd_, file_bytes_) != 0)
        log(LogLevel::warn, io_error("cannot truncate", path_).to_string());
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
    // Newest first, to the first file with a whole line. A file left empty (a crash right after a rotation,
    // or a start on a full disk) holds nothing: it goes, so that restarts do not pile them up.
    for (auto file = files.rbegin(); file != files.rend() && last_written_ == 0; ++file) {
        const int fd = ::open(file->c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) return io_error("cannot open", file->string());
        auto trimmed = trim_torn_tail(fd, file->string());
        ::close(fd);
        if (!trimmed.ok()) return trimmed.status();
        last_written_ = trimmed->last_seq;
        std::error_code ignored;  // an empty file left behind is harmless
        if (trimmed->length == 0) fs::remove(*file, ignored);
    }
    checkpointed_at_ = clock_();
    resumed_ = true;
    return {};
}

// After a failed write: the file being written is cut back to its last whole line (when step() could not
// roll the failed line back at once), and the place is read back from that line. A file without a whole line
// leaves the place where it was: the lines before it are all in older files.
Status DataLake::repair_file() {
    auto trimmed = trim_torn_tail(fd_, path_);
    if (!trimmed.ok()) return trimmed.status();
    file_bytes_ = trimmed->length;
    if (trimmed->last_seq != 0) last_written_ = trimmed->last_seq;
    torn_ = false;
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
    fs::create_directories(folder, error);
    if (error) return {Errc::storage, "data lake: cannot create " + folder.string() + ": " + error.message()};
    const fs::path path = folder / name;
    // Read-write: repair_file() reads it back after a failed write.
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return io_error("cannot create", path.string());
    path_ = path.string();
    file_opened_ = now;
    unsynced_ = true;
    // Whole lines only, then append: the name may be taken already (a clock set back).
    auto trimmed = trim_torn_tail(fd_, path_);
    if (!trimmed.ok()) {
        torn_ = true;
        return trimmed.status();
    }
    file_bytes_ = trimmed->length;
    return sync_new_file();
}

// The new file's name (and its day folder's, when that is new too) is durable before lines in it are counted
// as written. When this fails the file stays open, and step() runs this again before the next line.
Status DataLake::sync_new_file() {
    if (Status s = sync_dir(options_.dir); !s.ok()) return s;
    if (Status s = sync_dir(fs::path(path_).parent_path()); !s.ok()) return s;
    unsynced_ = false;
    return {};
}

void DataLake::close_file() {
    if (fd_ < 0) return;
    ::fsync(fd_);
    ::close(fd_);
    fd_ = -1;
    path_.clear();
    torn_ = unsynced_ = false;
}

// A failure returns its Status to the ProcessorRunner, which logs one line per failure streak and retries
// with a growing backoff: a disk that stays full is not a tight loop of log lines. Each retry appends to the
// same file; a new one is only made at a rotation, and an empty file never rotates.
Result<bool> DataLake::step(std::int64_t lease) {
    lease_ = lease;
    if (!resumed_) {
        if (Status s = resume(); !s.ok()) return s;
    }
    if (torn_) {
        if (Status s = repair_file(); !s.ok()) return s;
    }
    if (unsynced_) {
        if (Status s = sync_new_file(); !s.ok()) return s;
    }
    auto checkpoint = store_.checkpoint(kCheckpointStream, name_);
    if (!checkpoint.ok()) return checkpoint.status();
    const std::int64_t after = std::max(*checkpoint, last_written_);
    auto records = store_.read_all_streams(after, kBatch);
    if (!records.ok()) return records.status();
    const auto rotation_due = [&] {
        return file_bytes_ > 0 &&
               (file_bytes_ >= options_.rotate_bytes ||
                clock_() - file_opened_ >= std::chrono::milliseconds(options_.rotate_age).count());
    };
    if (records->empty()) {
        if (fd_ >= 0 && rotation_due()) close_file();  // an idle file still closes on time
        return false;
    }
    std::size_t archived = 0;
    for (const auto& record : *records) {
        if (fd_ >= 0 && rotation_due()) close_file();
        if (fd_ < 0) {
            if (Status s = open_file(record.seq); !s.ok()) return s;
        }
        const std::string line = line_of(record, store_.deployment_id());
        std::size_t done = 0;
        while (done < line.size()) {
            const auto n = options_.write(fd_, line.data() + done, line.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const int error = n < 0 ? errno : EIO;
                // Roll back the part of the line that got in, now; repair_file() checks the file again
                // before anything else goes in (and trims it, when this could not).
                if (::ftruncate(fd_, file_bytes_) != 0)
                    log(LogLevel::debug, io_error("cannot roll back a line in", path_).to_string());
                torn_ = true;
                if (archived > 0) metrics_.count_processor_events(name_, "archived", archived);
                return io_error("cannot write", path_, error);
            }
            done += static_cast<std::size_t>(n);
        }
        file_bytes_ += static_cast<std::int64_t>(line.size());
        last_written_ = record.seq;  // per line: a batch cut short by a failure is not written twice
        ++archived;
    }
    metrics_.count_processor_events(name_, "archived", archived);
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
    if (Status s = store_.set_checkpoint({kCheckpointStream, name_, last_written_, lease_}, clock_());
        !s.ok())
        return s;
    checkpointed_ = last_written_;
    checkpointed_at_ = clock_();
    return {};
}

}  // namespace synclatch::server
