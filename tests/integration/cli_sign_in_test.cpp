// The synclatch CLI signed in (--login) against the real server trusting one OpenID Connect provider:
// a token given inline, from a file or from standard input; two devices of one user share the data; a
// guest identity kept from earlier runs is merged when it signs in; a bad token is exit 6 and changes
// nothing.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/child_process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_login_provider.hpp"

using namespace synclatch::test;
using json = nlohmann::json;

namespace {

constexpr const char* kProvider = TestLoginProvider::kName;

struct CliSignInWorld {
    TempDir dir;
    TestLoginProvider provider{dir.file("jwks.json"), "cli-sign-in-test"};
    ServerProcess server{dir.file("server"), [this] {
                             std::vector<std::string> args = {"--auth", "sigv4"};
                             for (auto& arg : provider.server_args())
                                 args.push_back(arg);
                             return args;
                         }()};

    std::string token(const std::string& subject, const TestSigningKey* signer = nullptr) const {
        return provider.token(subject, signer);
    }

    ProcessOutput run(const std::string& device, std::vector<std::string> args,
                      const std::string& input = "") {
        std::vector<std::string> all = {SYNCLATCH_CLI_BINARY, "--endpoint",
                                        "http://127.0.0.1:" + std::to_string(server.port()), "--data",
                                        dir.file(device)};
        all.insert(all.end(), args.begin(), args.end());
        auto result = run_process(all, std::chrono::seconds(60), input);
        UNSCOPED_INFO("synclatch " << args.back() << " -> " << result.exit_code << "\nstdout: " << result.out
                                   << "\nstderr: " << result.err);
        return result;
    }
};

}  // namespace

TEST_CASE_METHOD(CliSignInWorld, "CLI sign-in: --login inline, from a file and from stdin reach one identity",
                 "[cli][identity]") {
    const std::string inline_login = std::string(kProvider) + "=" + token("erin");
    REQUIRE(run("phone", {"--login", inline_login, "put", "notes", "k", "from the phone"}).exit_code == 0);
    REQUIRE(run("phone", {"--login", inline_login, "sync"}).exit_code == 0);
    auto phone = run("phone", {"--login", inline_login, "--json", "identity"});
    REQUIRE(phone.exit_code == 0);
    const json phone_identity = json::parse(phone.out);
    CHECK(phone_identity.at("signedIn") == true);
    CHECK(phone_identity.at("logins") == json::array({kProvider}));

    const std::string file = dir.file("token.txt");
    std::ofstream(file) << token("erin") << "\n";
    const std::string from_file = std::string(kProvider) + "=@" + file;
    REQUIRE(run("laptop", {"--login", from_file, "sync", "notes"}).exit_code == 0);
    auto got = run("laptop", {"--login", from_file, "get", "notes", "k"});
    CHECK(got.out == "from the phone\n");

    auto tablet =
        run("tablet", {"--login", std::string(kProvider) + "=-", "--json", "identity"}, token("erin") + "\n");
    REQUIRE(tablet.exit_code == 0);
    CHECK(json::parse(tablet.out).at("identityId") == phone_identity.at("identityId"));
}

TEST_CASE_METHOD(CliSignInWorld,
                 "CLI sign-in: a guest from earlier runs is merged, and a bad token is exit 6",
                 "[cli][identity]") {
    REQUIRE(
        run("user", {"--login", std::string(kProvider) + "=" + token("finn"), "put", "game", "level", "9"})
            .exit_code == 0);
    REQUIRE(run("user", {"--login", std::string(kProvider) + "=" + token("finn"), "sync"}).exit_code == 0);
    REQUIRE(run("guest", {"put", "game", "level", "3"}).exit_code == 0);
    REQUIRE(run("guest", {"sync"}).exit_code == 0);
    const std::string guest = json::parse(run("guest", {"--json", "identity"}).out).at("identityId");

    const auto stranger = TestSigningKey::rsa(TestLoginProvider::kKeyId);
    auto refused = run("guest", {"--login", std::string(kProvider) + "=" + token("finn", &stranger), "sync"});
    CHECK(refused.exit_code == 6);
    CHECK(json::parse(run("guest", {"--json", "identity"}).out).at("identityId") == guest);

    auto merged =
        run("guest", {"--login", std::string(kProvider) + "=" + token("finn"), "--json", "identity"});
    REQUIRE(merged.exit_code == 0);
    CHECK(json::parse(merged.out).at("identityId") != guest);
    CHECK_THAT(merged.err, Catch::Contains("identity " + guest + " was merged into"));
    auto kept = run(
        "guest", {"--login", std::string(kProvider) + "=" + token("finn"), "get", "game." + guest, "level"});
    CHECK(kept.out == "3\n");

    CHECK(run("guest", {"--login", "no-equals-sign", "sync"}).exit_code == 2);
}
