// Per-thread snapshots that last while nothing is committed, ended after each batch of the thread's loop.
#include "store/sqlite/snapshot_readers.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "http/io_pool.hpp"

namespace synclatch::server {

namespace {

std::atomic<std::uint64_t> next_instance_id{1};

// The last slot this thread used, by instance: a lookup without the map's mutex on the hot path.
struct CachedSlot {
    std::uint64_t owner = 0;
    void* slot = nullptr;
};
thread_local CachedSlot cached_slot;

}  // namespace

SnapshotReaders::SnapshotReaders(std::string path, core::sqlite::OpenOptions options,
                                 const std::atomic<std::uint64_t>& commits)
    : path_(std::move(path)),
      options_([&] {
          options.read_only = true;
          options.create = false;
          return options;
      }()),
      commits_(commits),
      id_(next_instance_id.fetch_add(1, std::memory_order_relaxed)),
      pool_(path_, options_, 8) {}

SnapshotReaders::~SnapshotReaders() {
    // A posted end() may still hold its slot; the connection then closes with it, and closing rolls back.
    if (cached_slot.owner == id_) cached_slot = {};
}

SnapshotReaders::Slot* SnapshotReaders::this_thread_slot() {
    if (cached_slot.owner == id_) return static_cast<Slot*>(cached_slot.slot);
    if (IoPool::this_thread_context() == nullptr) return nullptr;
    std::shared_ptr<Slot>* found = nullptr;
    {
        std::lock_guard lock(slots_mutex_);
        auto [it, inserted] = slots_.try_emplace(std::this_thread::get_id());
        if (inserted) it->second = std::make_shared<Slot>(path_, options_);
        found = &it->second;
    }
    cached_slot = {id_, found->get()};
    return found->get();
}

void SnapshotReaders::begin_or_reuse(Slot& slot) {
    // The count is read before the snapshot begins (a deferred BEGIN takes it at the first statement), so
    // the snapshot holds at least the commits counted.
    const std::uint64_t commits = commits_.load(std::memory_order_acquire);
    if (slot.open && slot.commits_seen == commits) return;
    slot.end();
    slot.db.run_cached("BEGIN DEFERRED");
    slot.open = true;
    slot.commits_seen = commits;
    snapshots_begun_.fetch_add(1, std::memory_order_relaxed);
    if (!slot.end_scheduled) {
        // Posted behind the work already queued: the snapshot ends with this batch of the loop, so an idle
        // thread never holds back the WAL checkpoint.
        std::shared_ptr<Slot> keep;
        {
            std::lock_guard lock(slots_mutex_);
            keep = slots_.at(std::this_thread::get_id());
        }
        slot.end_scheduled = true;
        boost::asio::post(*IoPool::this_thread_context(), [keep = std::move(keep)] {
            keep->end_scheduled = false;
            keep->end();
        });
    }
}

void SnapshotReaders::Slot::end() noexcept {
    if (!open) return;
    open = false;
    try {
        if (db.in_transaction()) db.run_cached("COMMIT");
    } catch (...) {
        // Ending a read transaction cannot lose data; a failing COMMIT leaves SQLite to end it.
    }
}

}  // namespace synclatch::server
