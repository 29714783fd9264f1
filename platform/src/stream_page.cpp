// Stream pages from JSON.
#include "stream_page.hpp"

#include <nlohmann/json.hpp>

#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::platform::detail {

using json = nlohmann::json;

Result<StreamPage> parse_stream_page(std::string_view text) {
    const json body = sync::parse_json_text(text, sync::kJsonPageLimits);
    if (!body.is_object() || !body.contains("Records") || !body["Records"].is_array() ||
        !body.contains("LastSequenceNumber") || !body["LastSequenceNumber"].is_number_integer())
        return Status{Errc::invalid_argument, "the server's answer is not a stream page"};
    StreamPage page;
    page.last_sequence_number = body["LastSequenceNumber"].get<std::int64_t>();
    for (const auto& record : body["Records"]) {
        if (!record.is_object()) return Status{Errc::invalid_argument, "a stream record is not an object"};
        page.records.push_back({record.value("SequenceNumber", std::int64_t{0}),
                                record.value("PartitionKey", std::string()),
                                record.value("Data", json::object()).dump(),
                                record.value("ApproximateArrivalTimestamp", std::int64_t{0})});
    }
    return page;
}

}  // namespace synclatch::platform::detail
