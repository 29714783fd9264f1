// The C API's lists and bookkeeping: writing many records at once, a dataset's records with their sync
// state, its metadata, the client's dataset names, and wiping the client.
#include <map>
#include <string>
#include <vector>

#include "handles.hpp"

struct sl_records : synclatch::c_api::Counted {
    std::vector<synclatch::core::Record> records;
};

struct sl_names : synclatch::c_api::Counted {
    std::vector<std::string> names;
};

using namespace synclatch;
using c_api::guarded;
using c_api::refuse;
using c_api::report;

extern "C" {

bool sl_dataset_put_many(sl_dataset* dataset, const char* const* keys, const size_t* key_sizes,
                         const char* const* values, const size_t* value_sizes, size_t count,
                         sl_error* error) {
    return guarded(error, false, [&] {
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL");
        if (count > 0 &&
            (keys == nullptr || key_sizes == nullptr || values == nullptr || value_sizes == nullptr))
            return refuse(error, "keys, key_sizes, values and value_sizes must not be NULL");
        std::map<std::string, std::string> pairs;
        for (size_t i = 0; i < count; ++i) {
            if (!c_api::valid_bytes(keys[i], key_sizes[i]) || !c_api::valid_bytes(values[i], value_sizes[i]))
                return refuse(error, "a key or value is NULL with a size above 0");
            pairs.insert_or_assign(std::string(c_api::bytes(keys[i], key_sizes[i])),
                                   std::string(c_api::bytes(values[i], value_sizes[i])));
        }
        return report(dataset->dataset.put_all(pairs), error);
    });
}

sl_records* sl_dataset_records(sl_dataset* dataset, sl_error* error) {
    return guarded(error, static_cast<sl_records*>(nullptr), [&]() -> sl_records* {
        if (dataset == nullptr) return refuse(error, "dataset must not be NULL"), nullptr;
        auto records = dataset->dataset.get_all_records();
        if (!report(records.status(), error)) return nullptr;
        auto* list = new sl_records;
        list->records = std::move(records).value();
        return list;
    });
}

size_t sl_records_count(const sl_records* records) {
    return records != nullptr ? records->records.size() : 0;
}

bool sl_records_at(const sl_records* records, size_t index, sl_record* record) {
    if (records == nullptr || record == nullptr || index >= records->records.size()) return false;
    const core::Record& r = records->records[index];
    *record = {r.key.data(),
               r.key.size(),
               r.value ? r.value->data() : nullptr,
               r.value ? r.value->size() : 0,
               r.sync_count,
               r.last_modified,
               r.device_last_modified,
               r.modified,
               r.origin == core::Origin::remote};
    return true;
}

void sl_records_release(sl_records* records) {
    delete records;
}

bool sl_dataset_get_metadata(sl_dataset* dataset, sl_dataset_metadata* metadata, sl_error* error) {
    return guarded(error, false, [&] {
        if (dataset == nullptr || metadata == nullptr)
            return refuse(error, "dataset and metadata must not be NULL");
        auto found = dataset->dataset.metadata();
        if (!report(found.status(), error)) return false;
        *metadata = {found->record_count,       found->storage_bytes,   found->creation_time,
                     found->last_modified_time, found->last_sync_count, found->last_sync_time.value_or(0)};
        return true;
    });
}

sl_names* sl_client_list_datasets(sl_client* client, sl_error* error) {
    return guarded(error, static_cast<sl_names*>(nullptr), [&]() -> sl_names* {
        if (client == nullptr) return refuse(error, "client must not be NULL"), nullptr;
        auto datasets = client->state->client->list_datasets();
        if (!report(datasets.status(), error)) return nullptr;
        auto* names = new sl_names;
        for (const auto& dataset : *datasets)
            names->names.push_back(dataset.name);
        return names;
    });
}

size_t sl_names_count(const sl_names* names) {
    return names != nullptr ? names->names.size() : 0;
}

const char* sl_names_at(const sl_names* names, size_t index) {
    if (names == nullptr || index >= names->names.size()) return nullptr;
    return names->names[index].c_str();
}

void sl_names_release(sl_names* names) {
    delete names;
}

bool sl_client_wipe(sl_client* client, sl_error* error) {
    return guarded(error, false, [&] {
        if (client == nullptr) return refuse(error, "client must not be NULL");
        return report(client->state->client->wipe(), error);
    });
}

}  // extern "C"
