// The bodies received most, decoded straight from their text in one pass (json_events.hpp): a
// push's UpdateRecords request on the server, its answer and ListRecords' pages on the device. A JSON
// tree of a page costs a map, its nodes and their keys for every record, built and torn down again; here
// only the members the decoders read are kept, and each record is decoded as its object ends. The checks
// are the tree decoders' own (member_reader.hpp), so both give the same values and the same first problem.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_events.hpp"
#include "member_reader.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::sync {

namespace {

using json = nlohmann::json;
using detail::MemberReader;
using detail::MemberSlots;

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

// What a decoder keeps of a body: members of the top object, and of its two kinds of list member.
struct BodyShape {
    std::span<const std::string_view> members;       // of the top object, the lists' names included
    std::string_view object_list;                    // a list of objects, each handed on as it ends
    std::span<const std::string_view> item_members;  // of each of those objects
    std::string_view string_list;                    // a list of strings, kept whole (empty: none)
};

// The events' handler. Depth 1 holds the top object's members, depth 2 a list's elements, depth 3 the members
// of an element of the object list; any other value is skipped whole. A member written twice keeps its
// last value, as in a tree: a list written again starts over. The Sink takes each element of the object
// list (item(MemberSlots&), slots marked not-an-object for an element that is not one) and hears when the
// list starts over (restart()).
template <class Sink>
class BodyReader {
  public:
    BodyReader(const BodyShape& shape, Sink& sink)
        : shape_(shape), sink_(sink), top_(shape.members), item_(shape.item_members) {
        top_.reset(/*is_object=*/false);  // until the text opens an object
    }

    MemberSlots& top() { return top_; }
    bool strings_only() const { return strings_only_; }
    std::vector<std::string> take_strings() { return std::move(strings_); }

    // The events of JsonEventReader.
    void null() { scalar(json(nullptr)); }
    void boolean(bool value) { scalar(json(value)); }
    void number_integer(std::int64_t value) { scalar(json(value)); }
    void number_unsigned(std::uint64_t value) { scalar(json(value)); }
    void number_float(double value) { scalar(json(value)); }
    void string(std::string& value) { scalar(json(std::move(value))); }
    void start_object() { open(json::value_t::object); }
    void start_array() { open(json::value_t::array); }
    void end_object() { close(); }
    void end_array() { close(); }
    void key(const std::string& name) {
        if (skipped_ > 0) return;
        if (depth_ == 1) {
            pending_ = top_.slot(name);
            pending_list_ = name == shape_.object_list   ? List::objects
                            : name == shape_.string_list ? List::strings
                                                         : List::none;
        } else if (depth_ == 3) {
            pending_ = item_.slot(name);
        }
    }

  private:
    enum class List { none, objects, strings };

    void scalar(json value) {
        if (skipped_ > 0) return;
        if (depth_ == 1) {
            take_top_value(std::move(value));
        } else if (depth_ == 2 && list_ == List::objects) {
            item_.reset(/*is_object=*/false);
            sink_.item(item_);
        } else if (depth_ == 2) {
            if (value.is_string()) {
                strings_.push_back(std::move(value.get_ref<std::string&>()));
            } else {
                strings_only_ = false;
            }
        } else if (depth_ == 3 && pending_ != nullptr) {
            *pending_ = std::move(value);
        }
        pending_ = nullptr;
    }

    void open(json::value_t kind) {
        if (skipped_ > 0) {
            ++skipped_;
            return;
        }
        if (depth_ == 0 && kind == json::value_t::object) {
            top_.reset(/*is_object=*/true);
            depth_ = 1;
            return;
        }
        if (depth_ == 1) {
            const List list = pending_list_;
            take_top_value(json(kind));  // an empty one of its kind: enough for the member's checks
            if (kind == json::value_t::array && list != List::none) {
                list_ = list;
                depth_ = 2;
                return;
            }
        } else if (depth_ == 2 && list_ == List::objects) {
            item_.reset(/*is_object=*/kind == json::value_t::object);
            if (kind == json::value_t::object) {
                depth_ = 3;
                return;
            }
            sink_.item(item_);
        } else if (depth_ == 2) {
            strings_only_ = false;
        } else if (depth_ == 3 && pending_ != nullptr) {
            *pending_ = json(kind);
            pending_ = nullptr;
        }
        skipped_ = 1;  // the top value when not an object, or a value no check looks into
    }

    void close() {
        if (skipped_ > 0) {
            --skipped_;
        } else if (depth_ == 3) {
            sink_.item(item_);
            depth_ = 2;
        } else if (depth_ == 2) {
            list_ = List::none;
            depth_ = 1;
        } else {
            depth_ = 0;
        }
    }

    // A value of the top object's member just named; a list member's earlier value no longer counts.
    void take_top_value(json value) {
        if (pending_list_ == List::objects) sink_.restart();
        if (pending_list_ == List::strings) {
            strings_.clear();
            strings_only_ = true;
        }
        if (pending_ != nullptr) *pending_ = std::move(value);
        pending_ = nullptr;
        pending_list_ = List::none;
    }

    const BodyShape& shape_;
    Sink& sink_;
    MemberSlots top_;
    MemberSlots item_;
    std::vector<std::string> strings_;
    bool strings_only_ = true;
    int depth_ = 0;    // containers open and read
    int skipped_ = 0;  // containers open inside a skipped value
    json* pending_ = nullptr;
    List pending_list_ = List::none;
    List list_ = List::none;
};

// Decodes each element of the object list as it ends, keeping the first that fails.
template <class Item, Result<Item> (*read)(MemberReader&)>
struct ItemSink {
    explicit ItemSink(const char* element) : what(element) {}

    const char* what;  // names the element in messages
    std::vector<Item> items;
    Status failure;

    void item(MemberSlots& slots) {
        if (!failure.ok()) return;
        MemberReader in(slots, what);
        auto decoded = read(in);
        if (decoded.ok()) {
            items.push_back(std::move(decoded).value());
        } else {
            failure = decoded.status();
        }
    }
    void restart() {
        items.clear();
        failure = {};
    }
};
using PatchSink = ItemSink<RecordPatch, detail::read_record_patch>;
using RecordSink = ItemSink<WireRecord, detail::read_wire_record>;

// The limits and the syntax of the whole text, as parse_json_body checks them; `name` is what the text is
// called in the message ("the body", "the answer").
template <class Sink>
Status read_text(std::string_view text, std::string_view name, BodyReader<Sink>& reader) {
    if (Status s = check_json_limits(text); !s.ok()) return s;
    // JSON text never holds a NUL (a string writes it \u0000); parse_json_body refuses one too.
    if (text.find('\0') != std::string_view::npos || !detail::JsonEventReader(text).read(reader))
        return invalid(std::string(name) + " is not valid JSON");
    return {};
}

constexpr std::string_view kRecordMembers[] = {
    "Key", "Value", "SyncCount", "LastModifiedDate", "LastModifiedBy", "DeviceLastModifiedDate"};

}  // namespace

Result<UpdateRecordsRequest> decode_update_records_request(std::string_view text) {
    static constexpr std::string_view kMembers[] = {"DeviceId", "SyncSessionToken", "RecordPatches"};
    static constexpr std::string_view kPatchMembers[] = {"Op", "Key", "Value", "SyncCount",
                                                         "DeviceLastModifiedDate"};
    static constexpr BodyShape kShape{kMembers, "RecordPatches", kPatchMembers, {}};
    PatchSink patches("a record patch");
    BodyReader reader(kShape, patches);
    if (Status s = read_text(text, "the body", reader); !s.ok()) return s;
    MemberReader in(reader.top(), "the UpdateRecords body");
    UpdateRecordsRequest r;
    r.device_id = in.string("DeviceId", false);
    r.sync_session_token = in.string("SyncSessionToken");
    if (in.array("RecordPatches", false) != nullptr) {
        if (!patches.failure.ok()) return patches.failure;
        r.record_patches = std::move(patches.items);
    }
    if (!in.ok()) return in.status();
    return r;
}

Result<ListRecordsResult> decode_list_records_result(std::string_view text) {
    static constexpr std::string_view kMembers[] = {"Records",
                                                    "NextToken",
                                                    "DatasetSyncCount",
                                                    "LastModifiedBy",
                                                    "MergedDatasetNames",
                                                    "DatasetExists",
                                                    "DatasetDeletedAfterRequestedSyncCount",
                                                    "SyncSessionToken"};
    static constexpr BodyShape kShape{kMembers, "Records", kRecordMembers, "MergedDatasetNames"};
    RecordSink records("a record");
    BodyReader reader(kShape, records);
    if (Status s = read_text(text, "the answer", reader); !s.ok()) return s;
    MemberReader in(reader.top(), "a ListRecords response");
    ListRecordsResult r;
    if (in.array("Records", false) != nullptr) {
        if (!records.failure.ok()) return records.failure;
        r.records = std::move(records.items);
    }
    r.next_token = in.optional_string("NextToken");
    r.dataset_sync_count = in.integer("DatasetSyncCount", false);
    r.last_modified_by = in.optional_string("LastModifiedBy");
    if (in.array("MergedDatasetNames", false) != nullptr) {
        if (!reader.strings_only()) return invalid("'MergedDatasetNames' must be a list of strings");
        r.merged_dataset_names = reader.take_strings();
    }
    r.dataset_exists = in.boolean("DatasetExists", false);
    r.dataset_deleted_after_requested_sync_count = in.boolean("DatasetDeletedAfterRequestedSyncCount", false);
    r.sync_session_token = in.string("SyncSessionToken", false);
    if (!in.ok()) return in.status();
    return r;
}

Result<std::vector<WireRecord>> decode_update_records_answer(std::string_view text) {
    static constexpr std::string_view kMembers[] = {"Records"};
    static constexpr BodyShape kShape{kMembers, "Records", kRecordMembers, {}};
    RecordSink records("a record");
    BodyReader reader(kShape, records);
    if (Status s = read_text(text, "the answer", reader); !s.ok()) return s;
    if (!reader.top().is_object()) return invalid("the answer is not a JSON object");
    const json* list = reader.top().find("Records");
    if (list == nullptr || !list->is_array()) return invalid("the answer has no Records");
    if (!records.failure.ok()) return records.failure;
    return std::move(records.items);
}

}  // namespace synclatch::sync
