// Reading the members of one JSON object of the wire model with the codec's checks, from either source a
// decoder has: an object of a JSON tree, or the members a decoder reading text kept (MemberSlots). Both
// give the same values and the same first problem, so the tree decoders and the text decoders agree.
#pragma once

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/protocol.hpp"

namespace synclatch::sync::detail {

// The members of one object that a text decoder keeps, by name: scalars as read, a nested object or list
// as an empty one of its kind (its kind is all a check needs). Null or never seen: absent. A member
// written twice keeps the last value, as a JSON tree does.
class MemberSlots {
  public:
    static constexpr std::size_t kMaxMembers = 8;

    // `names` must outlive the slots and hold at most kMaxMembers names.
    explicit MemberSlots(std::span<const std::string_view> names) : names_(names) {}

    // Where the value of member `name` goes, or nullptr when it is not kept.
    nlohmann::json* slot(std::string_view name);
    const nlohmann::json* find(std::string_view name) const;
    // Ready for the next object: every member absent.
    void reset(bool is_object = true);
    bool is_object() const { return is_object_; }

  private:
    std::span<const std::string_view> names_;
    std::array<nlohmann::json, kMaxMembers> values_;
    bool is_object_ = true;
};

// Reads members of one JSON object, remembering the first problem. Null counts as absent. Strings are moved
// out of MemberSlots (each member is read once) and copied out of a tree.
class MemberReader {
  public:
    MemberReader(const nlohmann::json& object, std::string_view what);
    MemberReader(MemberSlots& members, std::string_view what);

    std::optional<std::string> optional_string(const char* member, bool required = false);
    std::string string(const char* member, bool required = true) {
        return optional_string(member, required).value_or("");
    }
    std::int64_t integer(const char* member, bool required = true);
    std::optional<EpochMillis> optional_time(const char* member);
    EpochMillis time(const char* member) { return optional_time(member).value_or(0); }
    bool boolean(const char* member, bool required = true);
    // The member when it is a list; nullptr when absent, or when it is not a list (a problem).
    const nlohmann::json* array(const char* member, bool required = true);

    bool ok() const { return status_.ok(); }
    const Status& status() const { return status_; }
    void fail(std::string message) {
        if (status_.ok()) status_ = {Errc::invalid_argument, std::move(message)};
    }

  private:
    const nlohmann::json* find(const char* member, bool required);

    const nlohmann::json* tree_ = nullptr;
    MemberSlots* slots_ = nullptr;
    Status status_;
};

// The two object shapes that come by the thousand, read the same from either source.
Result<WireRecord> read_wire_record(MemberReader& in);
Result<RecordPatch> read_record_patch(MemberReader& in);

}  // namespace synclatch::sync::detail
