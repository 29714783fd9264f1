// Status, Errc and Result<T>.
#include <catch2/catch.hpp>

#include <string>

#include "synclatch/core/result.hpp"
#include "synclatch/core/status.hpp"

using synclatch::Errc;
using synclatch::Result;
using synclatch::Status;

TEST_CASE("Status: default is ok, errors carry code and message", "[core][status]") {
    Status ok;
    CHECK(ok.ok());
    CHECK(ok.to_string() == "ok");
    Status bad(Errc::invalid_argument, "key is empty");
    CHECK_FALSE(bad.ok());
    CHECK(bad.code() == Errc::invalid_argument);
    CHECK(bad.to_string() == "invalid_argument: key is empty");
}

TEST_CASE("Status: only transient failures are retryable", "[core][status]") {
    for (Errc code : {Errc::unavailable, Errc::timeout, Errc::busy, Errc::throttled}) {
        CHECK(synclatch::is_retryable(code));
        CHECK(Status(code, "").retryable());
    }
    for (Errc code : {Errc::ok, Errc::invalid_argument, Errc::not_found, Errc::conflict, Errc::limit_exceeded,
                      Errc::unauthorized, Errc::cancelled, Errc::storage, Errc::corrupt, Errc::internal}) {
        CHECK_FALSE(synclatch::is_retryable(code));
    }
}

TEST_CASE("Result: holds a value or a failed status", "[core][status]") {
    Result<std::string> value(std::string("v"));
    REQUIRE(value.ok());
    CHECK(*value == "v");
    CHECK(value->size() == 1);
    CHECK(value.status().ok());

    Result<std::string> error(Status(Errc::not_found, "no such key"));
    REQUIRE_FALSE(error.ok());
    CHECK(error.status().code() == Errc::not_found);
    CHECK(error.value_or("fallback") == "fallback");

    std::string moved = std::move(value).value();
    CHECK(moved == "v");
}
