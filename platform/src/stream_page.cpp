// Stream pages from JSON.
#include "stream_page.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::platform::detail {

using json = nlohmann::json;

namespace {

// A member that must be a 64-bit integer when present (0 when absent). A float or a string there is not
// converted: a huge one would not fit, and the sender is not the server this client talks to.
std::optional<std::int64_t> integer_member(const json& record, const char* name) {
    const auto it = record.find(name);
    if (it == record.end()) return 0;
    if (!it->is_number_integer()) return std::nullopt;
    if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(INT64_MAX)) return std::nullopt;
    return it->get<std::int64_t>();
}

}  // namespace

Result<StreamPage> parse_stream_page(std::string_view text) {
    const json body = sync::parse_json_text(text, sync::kJsonPageLimits);
    if (!body.is_object() || !body.contains("Records") || !body["Records"].is_array() ||
        !body.contains("LastSequenceNumber") || !body["LastSequenceNumber"].is_number_integer())
        return Status{Errc::invalid_argument, "the server's answer is not a stream page"};
    StreamPage page;
    page.last_sequence_number = body["LastSequenceNumber"].get<std::int64_t>();
    for (const auto& record : body["Records"]) {
        if (!record.is_object()) return Status{Errc::invalid_argument, "a stream record is not an object"};
        const auto sequence = integer_member(record, "SequenceNumber");
        const auto arrival = integer_member(record, "ApproximateArrivalTimestamp");
        const auto key = record.find("PartitionKey");
        if (!sequence || !arrival || (key != record.end() && !key->is_string()))
            return Status{Errc::invalid_argument, "a stream record has a member of the wrong type"};
        page.records.push_back({*sequence, key != record.end() ? key->get<std::string>() : std::string(),
                                record.value("Data", json::object()).dump(), *arrival});
    }
    return page;
}

}  // namespace synclatch::platform::detail
