// Streams routes, long-poll and checkpoints.
#include "api/streams_api.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "http/error_response.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

Status invalid(std::string message) {
    return {Errc::invalid_argument, std::move(message)};
}

bool valid_group(std::string_view group) {
    if (group.empty() || group.size() > 128) return false;
    for (char c : group) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
    }
    return true;
}

json records_json(std::vector<StreamRecord>& records, std::int64_t after) {
    std::size_t bytes = 0;
    std::size_t kept = 0;
    for (; kept < records.size(); ++kept) {
        bytes += records[kept].data.size();
        if (kept > 0 && bytes > kMaxStreamPageBytes) break;
    }
    records.resize(kept);  // the rest comes with the next page
    json list = json::array();
    for (const auto& r : records)
        list.push_back(stream_record_json(r));
    return {{"Records", std::move(list)},
            {"LastSequenceNumber", records.empty() ? after : records.back().seq}};
}

}  // namespace

bool is_stream_name(std::string_view name) {
    return name == kDatasetChanges || name == kEvents;
}

json stream_record_json(const StreamRecord& r) {
    return {{"SequenceNumber", r.seq},
            {"PartitionKey", r.partition_key},
            {"Data", sync::parse_json_text(r.data, sync::kJsonPageLimits)},
            {"ApproximateArrivalTimestamp", r.created}};
}

StreamsApi::StreamsApi(StreamStorage& store, std::function<EpochMillis()> clock)
    : store_(store), clock_(std::move(clock)) {}

boost::asio::awaitable<HttpResponse> StreamsApi::handle(const HttpRequest& request,
                                                        const RequestTarget& target,
                                                        const Principal& principal) const {
    const unsigned version = request.version();
    const bool keep_alive = request.keep_alive();
    auto fail = [&](const Status& status) { return error_response(status, version, keep_alive); };
    auto ok = [&](const json& body) { return json_response(body.dump(), version, keep_alive); };

    const auto& s = target.segments;
    const bool reading = s.size() == 3 && s[2] == "records" && request.method() == http::verb::get;
    if (!(reading ? principal.may_read_streams() : principal.may_act_on_pools()))
        co_return fail({Errc::unauthorized, reading ? "reading streams needs the developer credentials or a "
                                                      "stream reader key"
                                                    : "streams need the developer credentials"});
    // "all" names no stream, only the positions of consumers of every stream (the data lake's).
    const bool all_streams_position = s.size() == 4 && s[1] == "all" && s[2] == "consumers";
    if (s.size() < 3 || !(is_stream_name(s[1]) || all_streams_position)) {
        co_return fail({Errc::not_found, "no such stream; streams are dataset-changes and events"});
    }
    const std::string& stream = s[1];
    const auto method = request.method();

    if (s.size() == 3 && s[2] == "records" && method == http::verb::get) {
        auto after = target.integer_param("after", 0);
        auto limit = target.integer_param("limit", 100, kMaxStreamReadLimit);
        auto wait = target.integer_param("wait", 0, kMaxStreamWaitSeconds);
        for (const auto* r : {&after, &limit, &wait}) {
            if (!r->ok()) co_return fail(r->status());
        }
        // A reader positioned below what retention dropped has missed records: say so rather than skip
        // them. after=0 reads from the oldest record kept.
        if (*after > 0) {
            auto trimmed = store_.trimmed_through(stream);
            if (!trimmed.ok()) co_return fail(trimmed.status());
            if (*after < *trimmed) {
                co_return error_response(
                    "TrimmedDataAccessException",
                    "records of " + stream + " after " + std::to_string(*after) + " up to " +
                        std::to_string(*trimmed) +
                        " were dropped by retention before they were read; read on with after=" +
                        std::to_string(*trimmed) + " to skip them",
                    version, keep_alive);
            }
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        for (;;) {
            auto records = store_.read_stream(stream, *after, *limit == 0 ? 100 : *limit);
            if (!records.ok()) co_return fail(records.status());
            if (!records->empty() || std::chrono::steady_clock::now() >= deadline) {
                co_return ok(records_json(*records, *after));
            }
            timer.expires_after(kStreamPollInterval);
            co_await timer.async_wait(boost::asio::use_awaitable);
        }
    }
    if (s.size() == 3 && s[2] == "records" && method == http::verb::post) {
        if (stream != kEvents) co_return fail(invalid("only stream events accepts posted records"));
        auto body = sync::parse_json_body(request.body());
        if (!body.ok()) co_return fail(body.status());
        if (!body->is_object() || !body->contains("Data") || !body->at("Data").is_object()) {
            co_return fail(invalid("Data is required and must be a JSON object"));
        }
        const auto key = body->value("PartitionKey", json());
        if (!key.is_string() || key.get<std::string>().empty() || key.get<std::string>().size() > 256) {
            co_return fail(invalid("PartitionKey is required: a string of 1 to 256 characters"));
        }
        auto seq = store_.append_stream(stream, key.get<std::string>(), body->at("Data").dump(), clock_());
        if (!seq.ok()) co_return fail(seq.status());
        co_return ok({{"SequenceNumber", *seq}});
    }
    if (s.size() == 4 && s[2] == "consumers") {
        const std::string& group = s[3];
        if (!valid_group(group))
            co_return fail(invalid("consumer group names are 1 to 128 of [A-Za-z0-9_.-]"));
        if (method == http::verb::get) {
            auto seq = store_.checkpoint(stream, group);
            if (!seq.ok()) co_return fail(seq.status());
            co_return ok({{"SequenceNumber", *seq}});
        }
        if (method == http::verb::put) {
            auto body = sync::parse_json_body(request.body());
            if (!body.ok()) co_return fail(body.status());
            if (!body->is_object() || !body->contains("SequenceNumber") ||
                !body->at("SequenceNumber").is_number_integer()) {
                co_return fail(invalid("SequenceNumber is required and must be an integer"));
            }
            const Checkpoint position{std::string(stream), std::string(group),
                                      body->at("SequenceNumber").get<std::int64_t>()};
            if (Status st = store_.set_checkpoint(position, clock_()); !st.ok()) {
                co_return fail(st);
            }
            co_return ok({{"SequenceNumber", body->at("SequenceNumber")}});
        }
        if (method == http::verb::delete_) {  // a consumer gone for good: retention stops keeping for it
            auto removed = store_.remove_checkpoint(stream, group);
            if (!removed.ok()) co_return fail(removed.status());
            if (!*removed)
                co_return fail(
                    {Errc::not_found, "consumer group " + group + " has no position on " + stream});
            co_return ok(json::object());
        }
    }
    co_return fail(
        {Errc::not_found, "no operation " + std::string(request.method_string()) + " " + target.raw_path});
}

}  // namespace synclatch::server
