// Domain events in the cookbook's shape, made from dataset changes (DESIGN.md "Data flow"):
// {id, type, timestamp, partitionKey, tags: {region, identityPoolId, datasetName, source}, thing, raw}
// plus synclatch's latch fields: origin, originSeq, version, hops. The id is "<origin>:<originSeq>", so the
// same write always makes the same event, however often it is published or replayed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "synclatch/core/result.hpp"

namespace synclatch::server {

// The thing-* event of one record of a dataset-changes event (its kinesisSyncRecords entry), or nullopt
// when the record is not to be published: its latch is closed (a received write, never published again) or
// it carries no authorship (a bulk publish). `thing` holds the identity, the key as id, and the value's
// fields when the value is a JSON object (else the value as "value"); `raw` is the record as written.
std::optional<nlohmann::json> thing_event(const nlohmann::json& change, const nlohmann::json& record);

// The dataset-deleted event of a DeleteDataset's dataset-changes record (operation "delete"), or nullopt
// when its latch is closed (a deletion received from a peer): the cookbook's fields without a thing, and
// the identity as identityId.
std::optional<nlohmann::json> dataset_deleted_event(const nlohmann::json& change);

// What a received thing-* event says, checked. Events are untrusted input: a missing or mistyped field is
// an error, never a crash.
struct ThingEvent {
    std::string id;
    std::string type;  // thing-created, thing-updated or thing-deleted
    std::string source;
    std::string identity_pool_id;  // "" when the event names none
    std::string identity_id;
    std::string thing_id;
    std::string dataset;                   // tags.datasetName; "" when absent
    std::optional<std::string> raw_value;  // raw.value: the record's value as written at the origin
    bool removed = false;                  // thing-deleted
    nlohmann::json* thing = nullptr;       // points into the parsed event
    std::int64_t version = 0;              // the event's version, else its timestamp
    std::int64_t origin_seq = 0;
    std::int64_t hops = 0;
    std::int64_t timestamp = 0;
    bool dataset_deleted = false;  // a dataset-deleted event: no thing, thing_id ""
};

// Whether an event is a thing-* event at all (others are not a listener's business).
bool is_thing_event(const nlohmann::json& event);
// Reads a thing-* event; invalid_argument names what is wrong.
Result<ThingEvent> read_thing_event(nlohmann::json& event);
// Reads a dataset-deleted event (it must name the dataset); invalid_argument names what is wrong.
Result<ThingEvent> read_dataset_deleted_event(nlohmann::json& event);

}  // namespace synclatch::server
