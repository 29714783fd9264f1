// A dataset's records in one canonical text, hashed.
#include "import/dataset_digest.hpp"

#include <algorithm>

#include "synclatch/sync/detail/crypto.hpp"

namespace synclatch::server {

namespace {

void append_field(std::string& out, std::string_view field) {
    out += std::to_string(field.size());
    out += ':';
    out += field;
}

}  // namespace

DatasetDigest digest_records(std::vector<sync::WireRecord> records, std::int64_t dataset_sync_count) {
    std::sort(records.begin(), records.end(),
              [](const sync::WireRecord& a, const sync::WireRecord& b) { return a.key < b.key; });
    DatasetDigest digest;
    digest.sync_count = dataset_sync_count;
    std::string canonical;
    for (const auto& record : records) {
        ++digest.records;
        append_field(canonical, record.key);
        if (record.value) {
            canonical += 'v';
            append_field(canonical, *record.value);
        } else {
            canonical += '-';
        }
        for (const std::int64_t number :
             {record.sync_count, record.last_modified_date, record.device_last_modified_date})
            append_field(canonical, std::to_string(number));
        append_field(canonical, record.last_modified_by);
    }
    digest.sha256 = sync::detail::sha256_hex(canonical);
    return digest;
}

}  // namespace synclatch::server
