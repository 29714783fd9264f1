// The demo's scenario parser: words and quotes, and every mistake reported with its line before anything
// runs.
#include <catch2/catch.hpp>

#include "scenario_script.hpp"

using synclatch::demo::parse_scenario;

TEST_CASE("parse_scenario: quotes group words, comments and blank lines are skipped", "[demo]") {
    QString error;
    const auto steps = parse_scenario(
        "# a comment\n\n"
        "fill phone name \"Desk lamp\"\n"
        "  resolve desktop edit '{\"name\":\"Bike\"}'  \n"
        "fill phone description \"say \\\"hi\\\"\"\n",
        error);
    REQUIRE(error.isEmpty());
    REQUIRE(steps.size() == 3);
    CHECK(steps[0].line == 3);
    CHECK(steps[0].words == QStringList{"fill", "phone", "name", "Desk lamp"});
    CHECK(steps[1].line == 4);
    CHECK(steps[1].words == QStringList{"resolve", "desktop", "edit", "{\"name\":\"Bike\"}"});
    CHECK(steps[2].words.last() == "say \"hi\"");
}

TEST_CASE("parse_scenario: unknown steps, wrong argument counts and open quotes are refused with their line",
          "[demo]") {
    QString error;
    CHECK(parse_scenario("scene 1\nfly phone\n", error).empty());
    CHECK(error == "line 2: unknown step 'fly'");
    CHECK(parse_scenario("sync\n", error).empty());
    CHECK(error == "line 1: 'sync' takes 1 argument(s), not 0");
    CHECK(parse_scenario("resolve a b c d\n", error).empty());
    CHECK(error == "line 1: 'resolve' takes 2-3 argument(s), not 4");
    CHECK(parse_scenario("say \"unfinished\n", error).empty());
    CHECK(error == "line 1: a quote is not closed");
    CHECK(parse_scenario("# only a comment\n", error).empty());
    CHECK(error == "the scenario has no steps");
}
