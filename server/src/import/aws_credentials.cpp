// The environment's keys, or an INI profile of the shared credentials file.
#include "import/aws_credentials.hpp"

#include <cstdlib>
#include <fstream>

namespace synclatch::server {

namespace {

std::string trimmed(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

Result<FoundCredentials> from_profile(const std::string& profile, const std::string& file) {
    std::ifstream in(file);
    if (!in)
        return Status{Errc::not_found,
                      "no AWS credentials: AWS_ACCESS_KEY_ID is not set and " + file + " cannot be read"};
    sync::sigv4::Credentials credentials;
    bool found = false;
    bool inside = false;
    std::string line;
    while (std::getline(in, line)) {
        line = trimmed(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            inside = trimmed(line.substr(1, line.size() - 2)) == profile;
            found = found || inside;
            continue;
        }
        if (!inside) continue;
        const auto equals = line.find('=');
        if (equals == std::string::npos) continue;
        const std::string name = trimmed(line.substr(0, equals));
        const std::string value = trimmed(line.substr(equals + 1));
        if (name == "aws_access_key_id") credentials.access_key_id = value;
        if (name == "aws_secret_access_key") credentials.secret_key = value;
        if (name == "aws_session_token") credentials.session_token = value;
    }
    const std::string origin = "profile " + profile + " of " + file;
    if (!found) return Status{Errc::not_found, "no AWS credentials: " + file + " has no profile " + profile};
    if (credentials.access_key_id.empty() || credentials.secret_key.empty())
        return Status{Errc::invalid_argument, origin + " lacks aws_access_key_id or aws_secret_access_key"};
    return FoundCredentials{std::move(credentials), origin};
}

}  // namespace

Environment process_environment() {
    return [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

Result<FoundCredentials> find_aws_credentials(const std::string& profile, const Environment& environment) {
    const auto key = environment("AWS_ACCESS_KEY_ID");
    const auto secret = environment("AWS_SECRET_ACCESS_KEY");
    if (profile.empty() && key && !key->empty()) {
        if (!secret || secret->empty())
            return Status{Errc::invalid_argument,
                          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"};
        const auto token = environment("AWS_SESSION_TOKEN");
        return FoundCredentials{{*key, *secret, token.value_or("")}, "the environment"};
    }
    std::string name = profile;
    if (name.empty()) name = environment("AWS_PROFILE").value_or("default");
    std::string file = environment("AWS_SHARED_CREDENTIALS_FILE").value_or("");
    if (file.empty()) {
        const auto home = environment("HOME");
        if (!home || home->empty())
            return Status{Errc::not_found, "no AWS credentials: AWS_ACCESS_KEY_ID and HOME are not set"};
        file = *home + "/.aws/credentials";
    }
    return from_profile(name, file);
}

}  // namespace synclatch::server
