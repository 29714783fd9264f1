// Typed error responses: the body every SDK parses, whatever the message quotes.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/error_response.hpp"

using namespace synclatch::server;
using json = nlohmann::json;

// Found by identity_request_fuzzer and sync_api_fuzzer: a message quoting an X-Amz-Target or a path with
// bytes that are not UTF-8 made nlohmann's dump() throw, and the client got a 500.
TEST_CASE("Error response: a message that is not UTF-8 still makes the typed JSON body", "[server][error]") {
    const HttpResponse response =
        error_response("InvalidParameterException", "operation Get\xe0\xff is not supported", 11, true);
    CHECK(response.result_int() == 400);
    CHECK(response["x-amzn-ErrorType"] == "InvalidParameterException");
    const json body = json::parse(response.body(), nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body.at("__type") == "InvalidParameterException");
    CHECK(body.at("message") == "operation Get\xef\xbf\xbd\xef\xbf\xbd is not supported");  // U+FFFD each
}
