// Stream events: what POST /streams/events/records takes (server/src/streams_api.cpp), what the listener
// and the bridge make of an event (listener_processor.cpp, bridge_processor.cpp, domain_event.cpp), and
// the thing event made from a record's value. The input is a POST body, and also a record value.
//  - The POST answers 200 or a typed 4xx, through the RequestHandler on a real store. Once accepted, the
//    event reads back (GET, decoded by the client's stream page reader) with the same partition key and
//    the same Data (round trip), and the listener and the bridge take it, or say why not, without
//    throwing; their writes apply to the store or are rejected one by one.
//  - Any valid UTF-8 value, as a written record, makes a thing event that stays within the limits of the
//    stream readers, reads back (read_thing_event) with the fields it was made from, and that the listener
//    and the bridge turn into the writes the value calls for.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "events/domain_event.hpp"
#include "fuzz_support.hpp"
#include "processors/bridge_processor.hpp"
#include "processors/listener_processor.hpp"
#include "processors/received_events.hpp"
#include "store/sqlite/sqlite_storage.hpp"
#include "stream_page.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace {

using namespace synclatch;
using json = nlohmann::json;

std::string describe(const server::HttpResponse& response) {
    return std::to_string(response.result_int()) + " " + response.body().substr(0, 1000);
}

server::HttpRequest request(std::string method, std::string target, std::string body) {
    server::HttpRequest r;
    r.method_string(method);
    r.target(target);
    r.version(11);
    r.set(boost::beast::http::field::host, "localhost");
    if (!body.empty()) r.set(boost::beast::http::field::content_type, "application/json");
    r.body() = std::move(body);
    r.prepare_payload();
    return r;
}

// The listener's and the bridge's readings of an event: never an exception; the store takes the writes.
void apply_as_processors(const json& event) {
    const server::EventToWrite listener = server::ListenerProcessor::event_to_write("fuzz");
    const server::EventToWrite bridge = server::BridgeProcessor::event_to_write("fuzz", 2);
    for (const auto* to_write : {&listener, &bridge}) {
        std::vector<json> events{event};
        auto counts = server::apply_events(fuzz::FuzzServer::get().store(),
                                           to_write == &listener ? "fuzz-listener" : "fuzz-bridge", events,
                                           *to_write, std::nullopt, fuzz::kNow);
        SYNCLATCH_FUZZ_CHECK(counts.ok(), "applying an event failed: " + counts.status().to_string());
    }
}

void check_posted(std::string_view body_text) {
    auto& server = fuzz::FuzzServer::get();
    // Signed, as a developer's service sends it: the unsigned body limit does not apply.
    server::HttpRequest post = request("POST", "/streams/events/records", std::string(body_text));
    post.set(boost::beast::http::field::authorization, "AWS4-HMAC-SHA256 (not checked: --auth none)");
    auto read = fuzz::parse_request_as_server(fuzz::serialize(post));
    if (!read) return;  // too large for the server
    const server::HttpResponse answer = server.handle(*read);
    SYNCLATCH_FUZZ_CHECK(
        answer.result_int() == 200 || (answer.result_int() >= 400 && answer.result_int() < 500),
        "POST answered " + describe(answer));
    if (answer.result_int() != 200) {
        SYNCLATCH_FUZZ_CHECK(!answer["x-amzn-ErrorType"].empty(), describe(answer));
        return;
    }
    const json posted = sync::parse_json_text(body_text);
    SYNCLATCH_FUZZ_CHECK(posted.is_object() && posted.contains("Data"), "accepted " + std::string(body_text));
    const json sequence = sync::parse_json_text(answer.body());
    SYNCLATCH_FUZZ_CHECK(sequence.is_object() && sequence.contains("SequenceNumber") &&
                             sequence["SequenceNumber"].is_number_integer(),
                         describe(answer));
    const std::int64_t seq = sequence["SequenceNumber"];

    const server::HttpResponse page_answer = server.handle(
        request("GET", "/streams/events/records?after=" + std::to_string(seq - 1) + "&limit=1", ""));
    SYNCLATCH_FUZZ_CHECK(page_answer.result_int() == 200, "reading the event back: " + describe(page_answer));
    auto page = platform::detail::parse_stream_page(page_answer.body());
    SYNCLATCH_FUZZ_CHECK(page.ok() && page->records.size() == 1,
                         "the client cannot read the event back: " + describe(page_answer));
    const auto& record = page->records.front();
    SYNCLATCH_FUZZ_CHECK(record.sequence_number == seq && record.partition_key == posted["PartitionKey"],
                         describe(page_answer));
    const json data = sync::parse_json_text(record.data, sync::kJsonPageLimits);
    SYNCLATCH_FUZZ_CHECK(data == posted["Data"], "the event reads back with other Data:\n  " +
                                                     posted["Data"].dump().substr(0, 1000) + "\n  " +
                                                     record.data.substr(0, 1000));
    apply_as_processors(data);
}

// The thing event the server publishes when a record is written with this value.
void check_thing_event(std::string_view value) {
    if (!core::validate_value(value).ok()) return;  // the server never stores it
    const json change = {
        {"identityPoolId", fuzz::kPool}, {"identityId", fuzz::kIdentity}, {"datasetName", "d"}};
    const json record = {{"key", "k"},       {"value", value}, {"latch", "open"},
                         {"origin", "peer"}, {"originSeq", 7}, {"op", "replace"},
                         {"existed", false}, {"version", 3},   {"lastModifiedDate", fuzz::kNow}};
    auto event = server::thing_event(change, record);
    SYNCLATCH_FUZZ_CHECK(event.has_value(), "no event for a written record");
    const std::string text = event->dump();
    // Stored in stream events, read by the listener, and wrapped in a page for a bridge.
    SYNCLATCH_FUZZ_CHECK(
        sync::check_json_limits(text, sync::kJsonPageLimits).ok() &&
            sync::check_json_limits(R"({"Records":[{"Data":)" + text + "}]}", sync::kJsonPageLimits).ok(),
        "a thing event the stream readers refuse: " + text.substr(0, 1000));
    json back = sync::parse_json_text(text, sync::kJsonPageLimits);
    auto thing = server::read_thing_event(back);
    SYNCLATCH_FUZZ_CHECK(thing.ok(), "a thing event that does not read back: " + thing.status().to_string());
    SYNCLATCH_FUZZ_CHECK(thing->id == "peer:7" && thing->type == "thing-created" && thing->source == "peer" &&
                             thing->identity_pool_id == fuzz::kPool &&
                             thing->identity_id == fuzz::kIdentity && thing->thing_id == "k" &&
                             thing->dataset == "d" && thing->raw_value == value && !thing->removed &&
                             thing->version == 3 && thing->origin_seq == 7 && thing->hops == 0 &&
                             thing->timestamp == fuzz::kNow,
                         "a thing event reads back with other fields: " + text.substr(0, 1000));

    // The listener writes the value's fields (or the value itself) as the thing, keyed by its id.
    json expected = sync::parse_json_text(value);
    if (!expected.is_object()) expected = json{{"value", value}};
    expected["id"] = "k";
    expected.erase("identityId");
    json for_listener = back;
    auto listened = server::ListenerProcessor::event_to_write("fuzz")(for_listener);
    auto* write = std::get_if<server::ReceivedWrite>(&listened);
    SYNCLATCH_FUZZ_CHECK(write != nullptr, "the listener does not take a thing event");
    SYNCLATCH_FUZZ_CHECK(
        write->key == "k" && write->identity_id == fuzz::kIdentity && write->value &&
            sync::parse_json_text(*write->value) == expected,
        "the listener writes another thing: " + write->value.value_or("(none)").substr(0, 1000));
    // The bridge writes the value as it was written, and forwards the event one hop further.
    json for_bridge = back;
    auto bridged = server::BridgeProcessor::event_to_write("fuzz", 2)(for_bridge);
    write = std::get_if<server::ReceivedWrite>(&bridged);
    SYNCLATCH_FUZZ_CHECK(write != nullptr && write->value == std::string(value) && write->forward,
                         "the bridge does not replicate the value as written");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    fuzz::FuzzServer::get().begin_input();
    check_posted(text);
    check_thing_event(text);
    return 0;
}
