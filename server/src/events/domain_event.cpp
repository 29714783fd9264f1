// Making thing-* events from dataset changes, and reading them back.
#include "events/domain_event.hpp"
#include "synclatch/sync/protocol_json.hpp"

#include <nlohmann/json.hpp>

namespace synclatch::server {

using json = nlohmann::json;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, "event: " + std::move(message)};
}

const json* member(const json& object, const char* name) {
    if (!object.is_object()) return nullptr;
    auto found = object.find(name);
    return found == object.end() ? nullptr : &*found;
}

std::optional<std::string> string_member(const json& object, const char* name) {
    const json* m = member(object, name);
    if (!m || !m->is_string()) return std::nullopt;
    return m->get<std::string>();
}

std::optional<std::int64_t> integer_member(const json& object, const char* name) {
    const json* m = member(object, name);
    if (!m || !m->is_number_integer()) return std::nullopt;
    return m->get<std::int64_t>();
}

// The fields every published event has. `authored`: where its origin, originSeq and version are (a
// record of the change, or the change itself for a DeleteDataset).
json envelope(const json& change, const json& authored, const char* type, std::int64_t timestamp) {
    const std::string pool = change.value("identityPoolId", "");
    const std::string identity = change.value("identityId", "");
    const std::string origin = authored.value("origin", "");
    const std::int64_t origin_seq = authored.value("originSeq", std::int64_t{0});
    return json{
        {"id", origin + ":" + std::to_string(origin_seq)},
        {"type", type},
        {"timestamp", timestamp},
        {"partitionKey", identity},
        {"tags",
         {{"region", pool.substr(0, pool.find(':'))},
          {"identityPoolId", pool},
          {"datasetName", change.value("datasetName", "")},
          {"source", origin}}},
        {"origin", origin},
        {"originSeq", origin_seq},
        {"version", authored.value("version", std::int64_t{0})},
        {"hops", 0},
    };
}

}  // namespace

std::optional<json> thing_event(const json& change, const json& record) {
    if (record.value("latch", "") != "open") return std::nullopt;
    const std::string identity = change.value("identityId", "");
    const bool removed = record.value("op", "") == "remove";

    json thing = json::object();
    if (!removed && record.contains("value")) {
        json fields = sync::parse_json_text(record.at("value").get<std::string>());
        if (fields.is_object()) {
            thing = std::move(fields);
        } else {
            thing["value"] = record.at("value");
        }
    }
    thing["id"] = record.value("key", "");
    thing["identityId"] = identity;

    json raw = record;
    raw.erase("latch");
    json event = envelope(change, record,
                          removed                          ? "thing-deleted"
                          : record.value("existed", false) ? "thing-updated"
                                                           : "thing-created",
                          record.value("lastModifiedDate", std::int64_t{0}));
    event["thing"] = std::move(thing);
    event["raw"] = std::move(raw);
    return event;
}

std::optional<json> dataset_deleted_event(const json& change) {
    if (change.value("latch", "") != "open") return std::nullopt;
    json event =
        envelope(change, change, "dataset-deleted", change.value("lastModifiedDate", std::int64_t{0}));
    event["identityId"] = change.value("identityId", "");
    return event;
}

bool is_thing_event(const json& event) {
    const auto type = string_member(event, "type");
    return type && type->starts_with("thing-");
}

namespace {

// The fields every received event has: id, tags (source; identityPoolId and datasetName when named),
// timestamp, version (else the timestamp), originSeq and hops.
Status read_common(json& event, ThingEvent& e) {
    auto id = string_member(event, "id");
    if (!id || id->empty()) return invalid("id is required");
    e.id = std::move(*id);
    const json* tags = member(event, "tags");
    if (!tags || !tags->is_object()) return invalid("tags is required");
    auto source = string_member(*tags, "source");
    if (!source) return invalid("tags.source is required");
    e.source = std::move(*source);
    e.identity_pool_id = string_member(*tags, "identityPoolId").value_or("");
    e.dataset = string_member(*tags, "datasetName").value_or("");
    auto timestamp = integer_member(event, "timestamp");
    if (!timestamp) return invalid("timestamp is required (epoch milliseconds)");
    e.timestamp = *timestamp;
    e.version = integer_member(event, "version").value_or(e.timestamp);
    e.origin_seq = integer_member(event, "originSeq").value_or(0);
    e.hops = integer_member(event, "hops").value_or(0);
    if (e.hops < 0) return invalid("hops must not be negative");
    return {};
}

}  // namespace

Result<ThingEvent> read_thing_event(json& event) {
    ThingEvent e;
    if (Status s = read_common(event, e); !s.ok()) return s;
    e.type = string_member(event, "type").value_or("");
    if (e.type != "thing-created" && e.type != "thing-updated" && e.type != "thing-deleted")
        return invalid("type " + e.type + " is not thing-created, thing-updated or thing-deleted");
    e.removed = e.type == "thing-deleted";
    auto thing = event.find("thing");
    if (thing == event.end() || !thing->is_object()) return invalid("thing is required");
    e.thing = &*thing;
    auto identity = string_member(*thing, "identityId");
    if (!identity) return invalid("thing.identityId is required");
    e.identity_id = std::move(*identity);
    auto thing_id = string_member(*thing, "id");
    if (!thing_id) return invalid("thing.id is required");
    e.thing_id = std::move(*thing_id);
    if (const json* raw = member(event, "raw")) e.raw_value = string_member(*raw, "value");
    return e;
}

Result<ThingEvent> read_dataset_deleted_event(json& event) {
    ThingEvent e;
    if (Status s = read_common(event, e); !s.ok()) return s;
    e.type = "dataset-deleted";
    e.dataset_deleted = true;
    auto identity = string_member(event, "identityId");
    if (!identity) return invalid("identityId is required");
    e.identity_id = std::move(*identity);
    if (e.dataset.empty()) return invalid("tags.datasetName is required");
    return e;
}

}  // namespace synclatch::server
