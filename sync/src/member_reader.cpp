// The codec's member checks, shared by the tree decoders (protocol_json.cpp) and the text decoders
// (body_decoder.cpp).
#include "member_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::sync::detail {

using json = nlohmann::json;

namespace {

// Beyond it a number from the wire cannot be a real count.
constexpr std::int64_t kMaxCount = std::int64_t{1} << 53;

std::optional<std::int64_t> integer_from(const json& value) {
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= double(kMaxCount))
            return std::int64_t(d);
        return std::nullopt;
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::int64_t out = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
        if (error == std::errc() && end == text.data() + text.size() && !text.empty()) return out;
    }
    return std::nullopt;
}

std::string quoted(const char* member) {
    return std::string("'") + member + "'";
}

}  // namespace

json* MemberSlots::slot(std::string_view name) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == name) return &values_[i];
    }
    return nullptr;
}

const json* MemberSlots::find(std::string_view name) const {
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (names_[i] == name) return &values_[i];
    }
    return nullptr;
}

void MemberSlots::reset(bool is_object) {
    for (std::size_t i = 0; i < names_.size(); ++i)
        values_[i] = nullptr;
    is_object_ = is_object;
}

MemberReader::MemberReader(const json& object, std::string_view what) : tree_(&object) {
    if (!object.is_object()) fail(std::string(what) + " must be a JSON object");
}

MemberReader::MemberReader(MemberSlots& members, std::string_view what) : slots_(&members) {
    if (!members.is_object()) fail(std::string(what) + " must be a JSON object");
}

const json* MemberReader::find(const char* member, bool required) {
    if (!status_.ok()) return nullptr;
    const json* value = nullptr;
    if (tree_ != nullptr) {
        const auto it = tree_->find(member);
        if (it != tree_->end()) value = &*it;
    } else {
        value = slots_->find(member);
    }
    if (value == nullptr || value->is_null()) {
        if (required) fail(quoted(member) + " is required");
        return nullptr;
    }
    return value;
}

std::optional<std::string> MemberReader::optional_string(const char* member, bool required) {
    const json* value = find(member, required);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) return fail(quoted(member) + " must be a string"), std::nullopt;
    // A slot is this reader's own and is read once: its string moves out instead of being copied.
    if (slots_ != nullptr) return std::move(const_cast<json*>(value)->get_ref<std::string&>());
    return value->get<std::string>();
}

std::int64_t MemberReader::integer(const char* member, bool required) {
    const json* value = find(member, required);
    if (value == nullptr) return 0;
    auto parsed = integer_from(*value);
    if (!parsed) return fail(quoted(member) + " must be an integer"), 0;
    return *parsed;
}

std::optional<EpochMillis> MemberReader::optional_time(const char* member) {
    const json* value = find(member, false);
    if (value == nullptr) return std::nullopt;
    auto parsed = parse_epoch_seconds(*value, member);
    if (!parsed.ok()) return fail(parsed.status().message()), std::nullopt;
    return *parsed;
}

bool MemberReader::boolean(const char* member, bool required) {
    const json* value = find(member, required);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return fail(quoted(member) + " must be true or false"), false;
    return value->get<bool>();
}

const json* MemberReader::array(const char* member, bool required) {
    const json* value = find(member, required);
    if (value != nullptr && !value->is_array()) return fail(quoted(member) + " must be a list"), nullptr;
    return value;
}

Result<WireRecord> read_wire_record(MemberReader& in) {
    WireRecord r;
    r.key = in.string("Key");
    r.value = in.optional_string("Value");
    r.sync_count = in.integer("SyncCount", false);
    r.last_modified_date = in.time("LastModifiedDate");
    r.last_modified_by = in.string("LastModifiedBy", false);
    r.device_last_modified_date = in.time("DeviceLastModifiedDate");
    if (!in.ok()) return in.status();
    return r;
}

Result<RecordPatch> read_record_patch(MemberReader& in) {
    RecordPatch p;
    const std::string op = in.string("Op");
    if (in.ok() && op != "replace" && op != "remove") in.fail("'Op' must be 'replace' or 'remove'");
    p.op = op == "remove" ? PatchOp::remove : PatchOp::replace;
    p.key = in.string("Key");
    p.value = in.optional_string("Value");
    p.sync_count = in.integer("SyncCount");
    p.device_last_modified_date = in.optional_time("DeviceLastModifiedDate");
    if (in.ok() && p.sync_count < 0) in.fail("'SyncCount' must not be negative");
    if (!in.ok()) return in.status();
    return p;
}

}  // namespace synclatch::sync::detail
