// The developer credentials `synclatch-server import-cognito` signs with, found as the AWS CLI and SDKs
// find them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment, else a
// profile (--profile, else $AWS_PROFILE, else "default") of the shared credentials file
// ($AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "synclatch/core/result.hpp"
#include "synclatch/sync/sigv4_signing.hpp"

namespace synclatch::server {

// getenv, injectable for tests: nullopt for an unset variable.
using Environment = std::function<std::optional<std::string>(const char* name)>;
Environment process_environment();

// The credentials and where they came from ("the environment", "profile P of FILE").
struct FoundCredentials {
    sync::sigv4::Credentials credentials;
    std::string origin;
};

// profile: --profile's value, empty when not given (a profile given wins over the environment's keys).
// not_found when there are none; invalid_argument for a profile without both keys.
Result<FoundCredentials> find_aws_credentials(const std::string& profile, const Environment& environment);

}  // namespace synclatch::server
