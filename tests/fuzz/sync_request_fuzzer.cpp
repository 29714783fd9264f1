// The Cognito Sync decoders of JSON bodies (sync/include/synclatch/sync/protocol_json.hpp), the pool
// configuration's (server/src/pool_configuration.hpp) and the sync session token check. The input is a
// body as a client sends it.
//  - parse_json_body is bounded before anything recursive runs: what it refuses as too deep nests deeper
//    than the limit, what it accepts nests no deeper and is what nlohmann parses without limits.
//  - Every string it gives is UTF-8 by core's own validator too (keys and values are checked with it).
//  - Each decoder (UpdateRecords request, record patch, record, dataset, identity usage, ListRecords
//    page) refuses with invalid_argument, or its result encoded as the server and client encode it
//    decodes to the same (round trip), and an integer member it kept is the number the body held.
//  - The text decoders (UpdateRecords request, ListRecords page, UpdateRecords answer) give what
//    parse_json_body and the tree decoders give: the same value, or the same problem.
//  - A SetIdentityPoolConfiguration body merged, stored as text and read back merges to the same.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/pool_configuration.hpp"
#include "auth/session_tokens.hpp"
#include "fuzz_support.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace {

using namespace synclatch;
using json = nlohmann::json;

int depth_of(const json& root) {
    int deepest = 0;
    std::vector<std::pair<const json*, int>> stack{{&root, 1}};
    while (!stack.empty()) {
        const auto [value, depth] = stack.back();
        stack.pop_back();
        if (!value->is_structured()) continue;
        deepest = std::max(deepest, depth);
        for (const auto& child : *value)
            stack.emplace_back(&child, depth + 1);
    }
    return deepest;
}

void check_strings_are_utf8(const json& root) {
    std::vector<const json*> stack{&root};
    while (!stack.empty()) {
        const json* value = stack.back();
        stack.pop_back();
        if (value->is_string()) {
            SYNCLATCH_FUZZ_CHECK(core::utf8_length(value->get_ref<const std::string&>()) >= 0,
                                 "nlohmann accepted a string core says is not UTF-8");
        }
        if (value->is_object()) {
            for (const auto& [key, child] : value->items()) {
                SYNCLATCH_FUZZ_CHECK(core::utf8_length(key) >= 0,
                                     "nlohmann accepted a member name core "
                                     "says is not UTF-8");
                stack.push_back(&child);
            }
        } else if (value->is_array()) {
            for (const auto& child : *value)
                stack.push_back(&child);
        }
    }
}

// Decodes j, encodes the result as text, decodes that, and compares.
template <class Decode, class Encode>
void round_trip(const json& j, const char* what, Decode decode, Encode encode) {
    auto decoded = decode(j);
    if (!decoded.ok()) {
        SYNCLATCH_FUZZ_CHECK(decoded.status().code() == Errc::invalid_argument,
                             std::string(what) + ": " + decoded.status().to_string());
        return;
    }
    const std::string text = encode(*decoded);
    auto parsed = sync::parse_json_body(text);
    SYNCLATCH_FUZZ_CHECK(parsed.ok(), std::string(what) + " encoded is not a body the decoders take: " +
                                          parsed.status().to_string() + "\n  " + text.substr(0, 2000));
    auto again = decode(*parsed);
    SYNCLATCH_FUZZ_CHECK(again.ok(), std::string(what) + " encoded does not decode: " +
                                         again.status().to_string() + "\n  " + text.substr(0, 2000));
    SYNCLATCH_FUZZ_CHECK(*again == *decoded, std::string(what) + " differs after encoding and decoding:\n  " +
                                                 j.dump().substr(0, 1000) + "\n  " + text.substr(0, 1000));
}

// a == b as numbers. (nlohmann's own == casts an unsigned to signed first: 2^64-1 == -1.)
bool same_number(const json& a, const json& b) {
    if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
    const bool a_negative = a.is_number_integer() && !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = b.is_number_integer() && !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative != b_negative) return false;
    return a_negative ? a.get<std::int64_t>() == b.get<std::int64_t>()
                      : a.get<std::uint64_t>() == b.get<std::uint64_t>();
}

// An integer member that the body held as a JSON number, once decoded and encoded again, is that number.
void check_integers_kept(const json& given, const json& encoded, const char* what) {
    for (const char* member :
         {"SyncCount", "DataStorage", "NumRecords", "DatasetCount", "DatasetSyncCount"}) {
        const auto in = given.find(member);
        if (in == given.end() || !in->is_number()) continue;
        const auto out = encoded.find(member);
        if (out == encoded.end()) continue;
        SYNCLATCH_FUZZ_CHECK(
            out->is_number() && same_number(*in, *out),
            std::string(what) + ": " + member + " " + in->dump() + " was decoded as " + out->dump());
    }
}

template <class Decode>
void check_integers(const json& j, const char* what, Decode decode) {
    if (!j.is_object()) return;
    auto decoded = decode(j);
    if (decoded.ok()) check_integers_kept(j, sync::to_json(*decoded), what);
}

void check_object(const json& j) {
    round_trip(j, "record patch", sync::parse_record_patch,
               [](const sync::RecordPatch& p) { return sync::to_json(p).dump(); });
    round_trip(j, "record", sync::parse_wire_record,
               [](const sync::WireRecord& r) { return sync::to_json(r).dump(); });
    // The text writer the server answers UpdateRecords with, read back as the client reads it.
    round_trip(
        j, "record (text writer)",
        [](const json& in) -> Result<sync::WireRecord> {
            if (in.is_object() && in.contains("Records")) {  // what update_records_body writes
                const json& records = in.at("Records");
                if (!records.is_array() || records.size() != 1)
                    return Status{Errc::invalid_argument, "not one record"};
                return sync::parse_wire_record(records.front());
            }
            return sync::parse_wire_record(in);
        },
        [](const sync::WireRecord& r) { return sync::update_records_body({r}); });
    round_trip(j, "dataset", sync::parse_dataset_description,
               [](const sync::DatasetDescription& d) { return sync::to_json(d).dump(); });
    round_trip(j, "identity usage", sync::parse_identity_usage,
               [](const sync::IdentityUsage& u) { return sync::to_json(u).dump(); });
    check_integers(j, "record patch", sync::parse_record_patch);
    check_integers(j, "record", sync::parse_wire_record);
    check_integers(j, "dataset", sync::parse_dataset_description);
    check_integers(j, "identity usage", sync::parse_identity_usage);

    auto patch = sync::parse_record_patch(j);
    if (patch.ok()) {
        (void)core::validate_key(patch->key);
        if (patch->value) (void)core::validate_value(*patch->value);
    }
}

void check_pool_configuration(const json& body) {
    auto merged = server::merge_pool_configuration(json::object(), body);
    if (!merged.ok()) {
        SYNCLATCH_FUZZ_CHECK(merged.status().code() == Errc::invalid_argument, merged.status().to_string());
        return;
    }
    const std::string stored = merged->dump();
    const json read = sync::parse_json_text(stored);
    SYNCLATCH_FUZZ_CHECK(read == *merged, "a stored configuration reads back differently: " + stored);
    auto unchanged = server::merge_pool_configuration(read, json::object());
    SYNCLATCH_FUZZ_CHECK(unchanged.ok() && *unchanged == *merged,
                         "an empty update changed the configuration");
    auto again = server::merge_pool_configuration(read, body);
    SYNCLATCH_FUZZ_CHECK(again.ok() && *again == *merged,
                         "the same update twice gives another configuration");
}

void check_session_token(const json& body) {
    static const server::SessionTokens tokens("fuzz-secret", 60 * 60 * 1000);
    if (!body.is_object() || !body.contains("SyncSessionToken") || !body["SyncSessionToken"].is_string())
        return;
    const auto& token = body["SyncSessionToken"].get_ref<const std::string&>();
    const Status checked = tokens.check(token, fuzz::kIdentity, "dataset", fuzz::kNow);
    // Nothing but the token the server issued passes (the fuzzer cannot compute an HMAC).
    SYNCLATCH_FUZZ_CHECK(!checked.ok() || token == tokens.issue(fuzz::kIdentity, "dataset", fuzz::kNow),
                         "a forged session token passed: " + token);
    SYNCLATCH_FUZZ_CHECK(checked.ok() || checked.code() == Errc::invalid_argument, checked.to_string());
}

// A text decoder against parse_json_body and a tree decoder: text the tree side cannot parse fails (the
// message names the body or the answer), otherwise the same value or the same problem.
template <class T>
void same_outcome(const char* what, const Result<json>& body, const Result<T>& from_tree,
                  const Result<T>& from_text) {
    if (!body.ok()) {
        SYNCLATCH_FUZZ_CHECK(!from_text.ok() && from_text.status().code() == Errc::invalid_argument,
                             std::string(what) + ": the text decoder took a body parse_json_body refuses");
        return;
    }
    SYNCLATCH_FUZZ_CHECK(from_tree.ok() == from_text.ok(),
                         std::string(what) + ": one decoder took the body, the other said " +
                             (from_tree.ok() ? from_text.status() : from_tree.status()).to_string());
    if (from_tree.ok()) {
        SYNCLATCH_FUZZ_CHECK(*from_tree == *from_text,
                             std::string(what) + ": the decoders read different values");
    } else {
        SYNCLATCH_FUZZ_CHECK(from_tree.status().code() == from_text.status().code() &&
                                 from_tree.status().message() == from_text.status().message(),
                             std::string(what) + ": the tree decoder said " + from_tree.status().to_string() +
                                 ", the text decoder " + from_text.status().to_string());
    }
}

// UpdateRecords' answer as the client read it from a tree before decode_update_records_answer.
Result<std::vector<sync::WireRecord>> update_records_answer_from_tree(const json& answer) {
    if (!answer.is_object()) return Status{Errc::invalid_argument, "the answer is not a JSON object"};
    const auto found = answer.find("Records");
    if (found == answer.end() || !found->is_array())
        return Status{Errc::invalid_argument, "the answer has no Records"};
    std::vector<sync::WireRecord> written;
    for (const auto& item : *found) {
        auto record = sync::parse_wire_record(item);
        if (!record.ok()) return record.status();
        written.push_back(std::move(record).value());
    }
    return written;
}

void check_text_decoders(std::string_view text, const Result<json>& body) {
    const json none;
    const json& tree = body.ok() ? *body : none;
    same_outcome("UpdateRecords request", body, sync::parse_update_records_request(tree),
                 sync::decode_update_records_request(text));
    same_outcome("ListRecords page", body, sync::parse_list_records_result(tree),
                 sync::decode_list_records_result(text));
    same_outcome("UpdateRecords answer", body, update_records_answer_from_tree(tree),
                 sync::decode_update_records_answer(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    auto body = sync::parse_json_body(text);
    check_text_decoders(text, body);
    // nlohmann alone, without limits (and without its reading of a NUL byte as the end of the input).
    const json unbounded = text.find('\0') != std::string_view::npos
                               ? json(json::value_t::discarded)
                               : json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!body.ok()) {
        SYNCLATCH_FUZZ_CHECK(body.status().code() == Errc::invalid_argument, body.status().to_string());
        if (!unbounded.is_discarded() && size < sync::kJsonRequestLimits.max_values) {
            SYNCLATCH_FUZZ_CHECK(depth_of(unbounded) > sync::kJsonRequestLimits.max_depth,
                                 "valid JSON " + std::to_string(depth_of(unbounded)) +
                                     " deep refused: " + body.status().message());
        }
        return 0;
    }
    SYNCLATCH_FUZZ_CHECK(!unbounded.is_discarded() && unbounded == *body,
                         "parse_json_body accepts what nlohmann does not, or reads it otherwise");
    SYNCLATCH_FUZZ_CHECK(depth_of(*body) <= sync::kJsonRequestLimits.max_depth,
                         "accepted JSON nests too deep");
    check_strings_are_utf8(*body);

    const json& j = *body;
    round_trip(j, "UpdateRecords request", sync::parse_update_records_request,
               [](const sync::UpdateRecordsRequest& r) {
                   return sync::update_records_request_body(r.device_id, r.record_patches,
                                                            r.sync_session_token);
               });
    round_trip(j, "ListRecords page", sync::parse_list_records_result,
               [](const sync::ListRecordsResult& r) { return sync::list_records_body(r); });
    check_object(j);
    if (j.is_object()) {
        for (const char* list : {"RecordPatches", "Records", "Datasets"}) {
            if (!j.contains(list) || !j[list].is_array()) continue;
            std::size_t n = 0;
            for (const auto& item : j[list]) {
                if (++n > 8) break;
                check_object(item);
            }
        }
    }
    check_pool_configuration(j);
    check_session_token(j);
    return 0;
}
