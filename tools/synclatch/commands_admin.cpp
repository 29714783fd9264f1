// The commands that read the server's own data with its developer key (--admin-key), not a local store:
// tail (an event stream) and replay (a data lake, into a processor).
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

#include "admin_key.hpp"
#include "command.hpp"
#include "exit_codes.hpp"
#include "lake_replay.hpp"
#include "stream_follow.hpp"
#include "synclatch/sync/endpoint.hpp"

namespace synclatch::cli {

namespace {

struct TailArgs {
    std::string stream;
    std::int64_t after = 0;
    std::int64_t count = 0;  // 0: no limit
    bool no_follow = false;
};

struct ReplayArgs {
    ReplayOptions options;  // to, credentials and dry_run are set from the rest
    std::string to;
    bool apply = false;
    bool dry_run = false;  // the default anyway; --dry-run says so explicitly
};

int run_tail(const GlobalOptions& global, Output& output, const TailArgs& args) {
    auto endpoint = sync::parse_endpoint(global.endpoint);
    if (!endpoint.ok()) {
        output.error("tail", endpoint.status());
        return kUsage;
    }
    auto credentials = parse_admin_key(global.admin_key);
    if (!credentials.ok() || !*credentials) {
        output.error("tail", credentials.ok()
                                 ? Status{Errc::invalid_argument, "tail needs --admin-key ACCESS:SECRET"}
                                 : credentials.status());
        return kUsage;
    }
    if (args.stream.empty() ||
        args.stream.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
        output.error("tail",
                     {Errc::invalid_argument, "a stream name is lower-case letters, digits, '-', '_', '.'"});
        return kUsage;
    }
    FollowOptions options{*endpoint,
                          **credentials,
                          args.stream,
                          args.after,
                          args.count > 0 ? std::optional<std::int64_t>(args.count) : std::nullopt,
                          !args.no_follow};
    Status followed = follow_stream(options, output);
    if (!followed.ok()) output.error("tail " + args.stream, followed);
    return exit_code_of(followed);
}

int run_replay(const GlobalOptions& global, Output& output, ReplayArgs args) {
    ReplayOptions& options = args.options;
    options.dry_run = !args.apply;
    if (!args.to.empty()) {
        auto to = sync::parse_endpoint(args.to);
        if (!to.ok()) {
            output.error("replay --to", to.status());
            return kUsage;
        }
        options.to = *to;
    }
    auto credentials = parse_admin_key(global.admin_key);
    if (!credentials.ok()) {
        output.error("replay", credentials.status());
        return kUsage;
    }
    options.credentials = *credentials;
    if (args.apply && (!options.to || !options.credentials)) {
        output.error("replay",
                     {Errc::invalid_argument, "--apply needs --to URL and --admin-key ACCESS:SECRET"});
        return kUsage;
    }
    auto summary = replay_lake(options, output);
    if (!summary.ok()) {
        output.error("replay", summary.status());
        return exit_code_of(summary.status());
    }
    nlohmann::json document = {{"dryRun", options.dry_run},       {"files", summary->files},
                               {"lines", summary->lines},         {"events", summary->events},
                               {"malformed", summary->malformed}, {"byType", summary->by_type},
                               {"processor", options.processor}};
    std::string text = std::string(options.dry_run ? "dry run: " : "replayed: ") +
                       std::to_string(summary->events) + " events (" + std::to_string(summary->lines) +
                       " lines in " + std::to_string(summary->files) + " files";
    if (summary->malformed > 0)
        text += ", " + std::to_string(summary->malformed) + " malformed lines skipped";
    text += ")";
    for (const auto& [type, n] : summary->by_type)
        text += "\n  " + type + ": " + std::to_string(n);
    if (options.dry_run) {
        text += "\nnothing was sent; pass --apply --to URL to replay into the " + options.processor;
    } else {
        document["outcomes"] = summary->outcomes;
        text += "\n" + options.processor + " at " + options.to->url() + ":";
        for (const auto& [outcome, n] : summary->outcomes)
            text += " " + outcome + " " + std::to_string(n);
    }
    output.result(document, text);
    return kOk;
}

}  // namespace

std::vector<Command> add_admin_commands(CLI::App& app, const GlobalOptions& global) {
    auto tail_args = std::make_shared<TailArgs>();
    auto* tail = app.add_subcommand("tail", "follow a server event stream (needs --admin-key)");
    tail->add_option("stream", tail_args->stream, "dataset-changes or events")->required();
    tail->add_option("--after", tail_args->after, "start after this sequence number");
    tail->add_option("--count", tail_args->count, "stop after this many records");
    tail->add_flag("--no-follow", tail_args->no_follow, "print what is there now and stop");

    auto replay_args = std::make_shared<ReplayArgs>();
    auto* replay = app.add_subcommand(
        "replay",
        "replay a server's data lake (its NDJSON files) into a processor of a server; a dry run "
        "(read and report only) unless --apply");
    replay->add_option("--from", replay_args->options.from, "the lake's folder (the server's DATA/lake)")
        ->required();
    replay->add_option("--prefix", replay_args->options.prefix,
                       "only files whose path below --from starts with this (e.g. 2026-11-30/)");
    replay->add_option("--to", replay_args->to,
                       "the server to replay into (with --apply; needs --admin-key)");
    replay
        ->add_option("--processor", replay_args->options.processor,
                     "listener: things datasets from thing-* events; bridge: dataset writes replicated")
        ->check(CLI::IsMember({"listener", "bridge"}))
        ->capture_default_str();
    auto* dry_run_flag =
        replay->add_flag("--dry-run", replay_args->dry_run, "only read and report (the default)");
    replay->add_flag("--apply", replay_args->apply, "send the events")->excludes(dry_run_flag);

    return {{tail, [&global, tail_args](Output& output) { return run_tail(global, output, *tail_args); }},
            {replay,
             [&global, replay_args](Output& output) { return run_replay(global, output, *replay_args); }}};
}

}  // namespace synclatch::cli
