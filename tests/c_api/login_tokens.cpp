// For the C API's test (c_api_test.c), which cannot sign JWTs itself: a stand-in OpenID Connect provider
// (TestLoginProvider) writes its JWKS to the given path and prints, one per line, the server flags that
// trust it and an ID token for each subject named (valid ten minutes).
#include <cstdio>
#include <string>

#include "support/test_login_provider.hpp"

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: c_api_login_tokens JWKS_PATH SUBJECT...\n");
        return 2;
    }
    const synclatch::test::TestLoginProvider provider(argv[1], "c-api-test-app");
    for (const auto& arg : provider.server_args())
        std::printf("%s\n", arg.c_str());
    for (int i = 2; i < argc; ++i)
        std::printf("%s\n", provider.token(argv[i]).c_str());
    return 0;
}
