// The shared conflict scenario (tests/scenarios/conflicts.scenario) run on SyncWorld: what the C API's and
// the Java binding's runs of the same file must also print (tests/scenarios/conflicts.expected).
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "sync/sync_world.hpp"

using namespace synclatch;
using synclatch::test::SyncWorld;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The scenario's resolver (its header says the rule).
bool resolve_by_key(std::span<sync::Conflict> conflicts) {
    for (auto& c : conflicts) {
        if (c.key() == "remote") c.resolve_with_remote();
        if (c.key() == "local") c.resolve_with_local();
        if (c.key() == "merged")
            c.resolve_with_value(c.remote().value.value_or("") + "+" + c.local().value.value_or(""));
    }
    return true;
}

}  // namespace

TEST_CASE("synchronize: the shared conflict scenario prints what the C and Java runs must print", "[sync]") {
    SyncWorld world;
    const std::string dataset = "things";
    std::ostringstream out;
    std::istringstream steps(read_file(SYNCLATCH_SCENARIO_DIR "/conflicts.scenario"));
    for (std::string line; std::getline(steps, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string name, verb, key, value;
        words >> name >> verb >> key >> value;
        auto& device = world.devices.contains(name) ? *world.devices.at(name) : world.device(name);
        if (verb == "put") {
            REQUIRE(device.dataset(dataset).put(key, value).ok());
        } else if (verb == "remove") {
            REQUIRE(device.dataset(dataset).remove(key).ok());
        } else {
            REQUIRE(verb == "sync");
            sync::SyncOptions options;
            if (key == "resolve") options.on_conflict = resolve_by_key;
            auto synced = device.sync(dataset, options);
            INFO(line << ": " << synced.status().to_string());
            REQUIRE(synced.ok());
            out << line << ": " << synced->conflicts << " conflicts\n";
        }
    }
    for (const auto& [name, device] : world.devices) {
        for (const auto& [key, value] : device->dataset(dataset).get_all().value())
            out << name << " " << key << " = " << value << "\n";
    }
    CHECK(out.str() == read_file(SYNCLATCH_SCENARIO_DIR "/conflicts.expected"));
}
