// Reading and checking identity pool settings. Every message starts with the path of the member at fault,
// as the operator wrote it, so that a mistake in a file of many pools is found without guessing.
#include "auth/identity_pool_settings.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "auth/open_id_tokens.hpp"
#include "synclatch/core/validation.hpp"
#include "synclatch/sync/endpoint.hpp"
#include "synclatch/sync/protocol_json.hpp"

namespace synclatch::server {

using json = nlohmann::json;

namespace {

constexpr std::string_view kAllowUnauthenticated = "AllowUnauthenticatedIdentities";
constexpr std::string_view kDeveloperProviderName = "DeveloperProviderName";
constexpr std::string_view kOpenIdConnectProviders = "OpenIdConnectProviders";
constexpr std::string_view kName = "Name";
constexpr std::string_view kIssuer = "Issuer";
constexpr std::string_view kAudiences = "Audiences";
constexpr std::string_view kJwksFile = "JwksFile";
constexpr std::string_view kJwksUrl = "JwksUrl";

Status invalid(std::string_view member, std::string_view problem) {
    return {Errc::invalid_argument, std::string(member) + ": " + std::string(problem)};
}

bool has_space_or_control(std::string_view text) {
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) return true;
    }
    return false;
}

// Cognito's [\w._-]+ (Java's \w: ASCII letters, digits and underscore).
bool is_developer_provider_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

std::string provider_path(std::size_t index) {
    return std::string(kOpenIdConnectProviders) + "[" + std::to_string(index) + "]";
}

Status validate_provider(const OpenIdConnectProviderSettings& provider, const std::string& path) {
    const std::string name_path = path + "." + std::string(kName);
    if (provider.name.empty() || provider.name.size() > IdentityPoolSettings::kMaxProviderNameChars ||
        has_space_or_control(provider.name)) {
        return invalid(name_path, "must be 1 to " +
                                      std::to_string(IdentityPoolSettings::kMaxProviderNameChars) +
                                      " characters without spaces or control characters");
    }
    if (provider.name == OpenIdTokens::kLoginProvider) {
        return invalid(name_path, std::string(OpenIdTokens::kLoginProvider) +
                                      " is reserved: it is the Logins key of this server's own tokens");
    }
    const std::string issuer_path = path + "." + std::string(kIssuer);
    if (auto issuer = sync::parse_http_url(provider.issuer); !issuer.ok())
        return invalid(issuer_path, "must be an http(s) URL (" + issuer.status().message() + ")");
    // OpenID Connect Discovery §2: an issuer has no query and no fragment.
    if (provider.issuer.find('?') != std::string::npos)
        return invalid(issuer_path, "must be an http(s) URL without a query");

    const std::string audiences_path = path + "." + std::string(kAudiences);
    if (provider.audiences.empty() || provider.audiences.size() > IdentityPoolSettings::kMaxAudiences) {
        return invalid(
            audiences_path,
            "must be a list of 1 to " + std::to_string(IdentityPoolSettings::kMaxAudiences) + " client ids");
    }
    for (std::size_t i = 0; i < provider.audiences.size(); ++i) {
        const auto& audience = provider.audiences[i];
        if (audience.empty() || audience.size() > IdentityPoolSettings::kMaxAudienceChars ||
            has_space_or_control(audience)) {
            return invalid(audiences_path + "[" + std::to_string(i) + "]",
                           "must be a client id of 1 to " +
                               std::to_string(IdentityPoolSettings::kMaxAudienceChars) +
                               " characters without spaces or control characters");
        }
    }

    if (provider.jwks_file.empty() == provider.jwks_url.empty())
        return invalid(path, "give exactly one of JwksFile and JwksUrl");
    if (!provider.jwks_url.empty()) {
        if (auto url = sync::parse_http_url(provider.jwks_url); !url.ok())
            return invalid(path + "." + std::string(kJwksUrl),
                           "must be an http(s) URL (" + url.status().message() + ")");
    } else if (provider.jwks_file.size() > IdentityPoolSettings::kMaxJwksFileChars ||
               provider.jwks_file.find('\0') != std::string::npos) {
        return invalid(path + "." + std::string(kJwksFile),
                       "must be a file path of at most " +
                           std::to_string(IdentityPoolSettings::kMaxJwksFileChars) + " bytes");
    }
    return {};
}

// Names from the input, quoted in messages: long enough to recognise, never the whole of a huge one.
std::string clip(std::string_view text) {
    constexpr std::size_t kMaxQuoted = 100;
    return text.size() <= kMaxQuoted ? std::string(text) : std::string(text.substr(0, kMaxQuoted)) + "...";
}

Result<std::string> string_member(const json& value, const std::string& path) {
    if (!value.is_string()) return invalid(path, "must be a string");
    return value.get<std::string>();
}

Result<OpenIdConnectProviderSettings> provider_from_json(const json& value, const std::string& path) {
    if (!value.is_object()) return invalid(path, "must be an object");
    OpenIdConnectProviderSettings provider;
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& member = it.key();
        const json& field = it.value();
        const std::string member_path = path + "." + clip(member);
        if (member == kName || member == kIssuer || member == kJwksFile || member == kJwksUrl) {
            auto text = string_member(field, member_path);
            if (!text.ok()) return text.status();
            std::string& into = member == kName       ? provider.name
                                : member == kIssuer   ? provider.issuer
                                : member == kJwksFile ? provider.jwks_file
                                                      : provider.jwks_url;
            into = std::move(text).value();
        } else if (member == kAudiences) {
            if (!field.is_array()) return invalid(member_path, "must be a list of client ids");
            for (std::size_t i = 0; i < field.size(); ++i) {
                auto audience = string_member(field[i], member_path + "[" + std::to_string(i) + "]");
                if (!audience.ok()) return audience.status();
                provider.audiences.push_back(std::move(audience).value());
            }
        } else {
            return invalid(member_path,
                           "not a member of an OpenID Connect provider (Name, Issuer, Audiences, JwksFile, "
                           "JwksUrl)");
        }
    }
    // Required members left out get the message of an empty one from validate().
    return provider;
}

Result<IdentityPoolSettingsMap> parse_pools_json(const json& document) {
    if (!document.is_object())
        return Status{Errc::invalid_argument, "must be a JSON object from identity pool id to its settings"};
    IdentityPoolSettingsMap pools;
    for (auto it = document.begin(); it != document.end(); ++it) {
        const std::string& pool_id = it.key();
        if (Status s = core::validate_identity_pool_id(pool_id); !s.ok())
            return Status{Errc::invalid_argument,
                          "pool " + clip(pool_id) + ": not an identity pool id (" + s.message() + ")"};
        auto settings = identity_pool_settings_from_json(it.value());
        if (!settings.ok())
            return Status{Errc::invalid_argument, "pool " + pool_id + ": " + settings.status().message()};
        pools.emplace(pool_id, std::move(settings).value());
    }
    return pools;
}

}  // namespace

Status validate(const IdentityPoolSettings& settings) {
    const auto& providers = settings.open_id_connect_providers;
    if (settings.developer_provider_name) {
        const std::string& name = *settings.developer_provider_name;
        bool valid = !name.empty() && name.size() <= IdentityPoolSettings::kMaxDeveloperProviderNameChars;
        for (const char c : name)
            valid = valid && is_developer_provider_char(c);
        if (!valid) {
            return invalid(kDeveloperProviderName,
                           "must be 1 to " +
                               std::to_string(IdentityPoolSettings::kMaxDeveloperProviderNameChars) +
                               " characters of letters, digits, '.', '_' and '-'");
        }
        if (name == OpenIdTokens::kLoginProvider) {
            return invalid(kDeveloperProviderName,
                           std::string(OpenIdTokens::kLoginProvider) +
                               " is reserved: it is the Logins key of this server's own tokens");
        }
        for (std::size_t i = 0; i < providers.size(); ++i) {
            if (providers[i].name == name)
                return invalid(kDeveloperProviderName, "is also the Name of " + provider_path(i));
        }
    }
    if (providers.size() > IdentityPoolSettings::kMaxOpenIdConnectProviders) {
        return invalid(kOpenIdConnectProviders,
                       "at most " + std::to_string(IdentityPoolSettings::kMaxOpenIdConnectProviders) +
                           " providers per pool");
    }
    for (std::size_t i = 0; i < providers.size(); ++i) {
        if (Status s = validate_provider(providers[i], provider_path(i)); !s.ok()) return s;
        for (std::size_t j = 0; j < i; ++j) {
            if (providers[j].name == providers[i].name)
                return invalid(provider_path(i) + "." + std::string(kName),
                               "is already the Name of " + provider_path(j));
        }
    }
    return {};
}

json to_json(const IdentityPoolSettings& settings) {
    json out = json::object();
    out[kAllowUnauthenticated] = settings.allow_unauthenticated_identities;
    if (settings.developer_provider_name) out[kDeveloperProviderName] = *settings.developer_provider_name;
    json providers = json::array();
    for (const auto& provider : settings.open_id_connect_providers) {
        json one = {{kName, provider.name}, {kIssuer, provider.issuer}, {kAudiences, provider.audiences}};
        if (!provider.jwks_file.empty()) one[kJwksFile] = provider.jwks_file;
        if (!provider.jwks_url.empty()) one[kJwksUrl] = provider.jwks_url;
        providers.push_back(std::move(one));
    }
    out[kOpenIdConnectProviders] = std::move(providers);
    return out;
}

Result<IdentityPoolSettings> identity_pool_settings_from_json(const json& value) {
    if (!value.is_object()) return Status{Errc::invalid_argument, "the settings must be a JSON object"};
    IdentityPoolSettings settings;
    for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string& member = it.key();
        const json& field = it.value();
        if (member == kAllowUnauthenticated) {
            if (!field.is_boolean()) return invalid(member, "must be true or false");
            settings.allow_unauthenticated_identities = field.get<bool>();
        } else if (member == kDeveloperProviderName) {
            auto name = string_member(field, member);
            if (!name.ok()) return name.status();
            settings.developer_provider_name = std::move(name).value();
        } else if (member == kOpenIdConnectProviders) {
            if (!field.is_array()) return invalid(member, "must be a list of providers");
            if (field.size() > IdentityPoolSettings::kMaxOpenIdConnectProviders) {
                return invalid(member, "at most " +
                                           std::to_string(IdentityPoolSettings::kMaxOpenIdConnectProviders) +
                                           " providers per pool");
            }
            for (std::size_t i = 0; i < field.size(); ++i) {
                auto provider = provider_from_json(field[i], provider_path(i));
                if (!provider.ok()) return provider.status();
                settings.open_id_connect_providers.push_back(std::move(provider).value());
            }
        } else {
            return invalid(clip(member),
                           "not a member of identity pool settings (AllowUnauthenticatedIdentities, "
                           "DeveloperProviderName, OpenIdConnectProviders)");
        }
    }
    if (Status s = validate(settings); !s.ok()) return s;
    return settings;
}

Result<IdentityPoolSettingsMap> parse_identity_pools(std::string_view document, std::string_view source,
                                                     const std::filesystem::path& base_dir) {
    const std::string prefix = std::string(source) + ": ";
    if (document.size() > kMaxIdentityPoolsFileBytes) {
        return Status{Errc::invalid_argument,
                      prefix + "larger than " + std::to_string(kMaxIdentityPoolsFileBytes) + " bytes"};
    }
    auto parsed = sync::parse_json_body(document);
    if (!parsed.ok()) return Status{Errc::invalid_argument, prefix + parsed.status().message()};
    auto pools = parse_pools_json(*parsed);
    if (!pools.ok()) return Status{Errc::invalid_argument, prefix + pools.status().message()};
    if (!base_dir.empty()) {
        for (auto& [id, settings] : *pools) {
            for (auto& provider : settings.open_id_connect_providers) {
                if (!provider.jwks_file.empty() && std::filesystem::path(provider.jwks_file).is_relative())
                    provider.jwks_file = (base_dir / provider.jwks_file).lexically_normal().string();
            }
        }
    }
    return pools;
}

Result<IdentityPoolSettingsMap> read_identity_pools_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status{Errc::invalid_argument, path.string() + ": cannot be opened"};
    std::string text(kMaxIdentityPoolsFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return Status{Errc::invalid_argument, path.string() + ": cannot be read"};
    text.resize(static_cast<std::size_t>(in.gcount()));
    std::filesystem::path base = path.parent_path();
    if (base.empty()) base = ".";
    return parse_identity_pools(text, path.string(), base);
}

Result<OpenIdConnectProviderSettings> parse_login_provider_option(std::string_view value) {
    std::string_view fields[3];
    std::string_view rest = value;
    for (auto& field : fields) {
        const auto comma = rest.find(',');
        if (comma == std::string_view::npos)
            return Status{Errc::invalid_argument, "expected NAME,ISSUER,AUDIENCE[+AUDIENCE...],JWKS"};
        field = rest.substr(0, comma);
        rest.remove_prefix(comma + 1);
    }
    OpenIdConnectProviderSettings provider;
    provider.name = std::string(fields[0]);
    provider.issuer = std::string(fields[1]);
    for (std::string_view audiences = fields[2];;) {
        const auto plus = audiences.find('+');
        provider.audiences.emplace_back(audiences.substr(0, plus));
        if (plus == std::string_view::npos) break;
        audiences.remove_prefix(plus + 1);
    }
    if (rest.starts_with("http://") || rest.starts_with("https://")) {
        provider.jwks_url = std::string(rest);
    } else {
        provider.jwks_file = std::string(rest);
        if (provider.jwks_file.empty())
            return Status{Errc::invalid_argument, "JWKS (the fourth field) is empty: give a file or a URL"};
    }
    return provider;
}

Result<IdentityPoolSettings> settings_from_command_line(const std::vector<std::string>& login_providers,
                                                        bool allow_unauthenticated_identities,
                                                        const std::string& developer_provider) {
    IdentityPoolSettings settings;
    settings.allow_unauthenticated_identities = allow_unauthenticated_identities;
    if (!developer_provider.empty()) settings.developer_provider_name = developer_provider;
    for (const auto& option : login_providers) {
        auto provider = parse_login_provider_option(option);
        if (!provider.ok())
            return Status{Errc::invalid_argument,
                          "--login-provider " + option + ": " + provider.status().message()};
        settings.open_id_connect_providers.push_back(std::move(provider).value());
    }
    if (Status s = validate(settings); !s.ok()) {
        // The member path names the option: OpenIdConnectProviders[i] is the i-th --login-provider.
        std::string message = s.message();
        if (message.starts_with(kDeveloperProviderName))
            return Status{Errc::invalid_argument,
                          "--developer-provider" + message.substr(kDeveloperProviderName.size())};
        for (std::size_t i = 0; i < login_providers.size(); ++i) {
            const std::string path = provider_path(i);
            if (!message.starts_with(path + ".") && !message.starts_with(path + ": ")) continue;
            const std::string detail = message.substr(path.size() + (message[path.size()] == '.' ? 1 : 2));
            return Status{Errc::invalid_argument, "--login-provider " + login_providers[i] + ": " + detail};
        }
        return Status{Errc::invalid_argument, message};
    }
    return settings;
}

}  // namespace synclatch::server
