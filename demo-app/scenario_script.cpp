// Scenario parsing: words and quotes, known commands and their argument counts, all checked before
// anything runs.
#include "scenario_script.hpp"

#include <QMap>
#include <optional>
#include <utility>

namespace synclatch::demo {

namespace {

// Each command with its least and most argument counts.
const QMap<QString, QPair<int, int>> kArity = {
    {"scene", {1, 1}},          {"say", {1, 1}},
    {"fill", {3, 3}},           {"save", {1, 1}},
    {"sync", {1, 1}},           {"online", {2, 2}},
    {"wait-sync", {1, 1}},      {"wait-identity", {1, 1}},
    {"resolve", {2, 3}},        {"publish", {1, 1}},
    {"expect-record", {4, 4}},  {"expect-no-record", {2, 2}},
    {"expect-status", {2, 2}},  {"expect-progress", {2, 2}},
    {"expect-chart", {2, 2}},   {"expect-events", {3, 3}},
    {"expect-counter", {4, 4}}, {"wait-conflict", {1, 1}},
    {"zero-counters", {0, 0}},  {"settle-counters", {1, 1}},
    {"add-samples", {2, 2}},    {"hold", {1, 1}},
    {"screenshot", {1, 1}},     {"sign-in", {1, 1}},
    {"wait-signed-in", {1, 1}}, {"expect-merged", {2, 2}},
};

// Words separated by spaces; "..." groups words (with \" for a quote), '...' groups them literally.
std::optional<QStringList> split_words(const QString& line) {
    QStringList words;
    QString word;
    bool in_word = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (c == '"' || c == '\'') {
            ++i;
            for (; i < line.size() && line[i] != c; ++i) {
                if (c == '"' && line[i] == '\\' && i + 1 < line.size()) ++i;
                word += line[i];
            }
            if (i == line.size()) return std::nullopt;  // no closing quote
            in_word = true;
        } else if (c.isSpace()) {
            if (in_word) words << std::exchange(word, {});
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words << word;
    return words;
}

}  // namespace

std::vector<ScenarioStep> parse_scenario(const QString& text, QString& error) {
    std::vector<ScenarioStep> steps;
    const QStringList lines = text.split('\n');
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty() || line.startsWith('#')) continue;
        auto words = split_words(line);
        if (!words) {
            error = QString("line %1: a quote is not closed").arg(i + 1);
            return {};
        }
        ScenarioStep step{i + 1, *words};
        const auto arity = kArity.find(step.words.value(0));
        if (arity == kArity.end()) {
            error = QString("line %1: unknown step '%2'").arg(step.line).arg(step.words.value(0));
            return {};
        }
        const auto arguments = step.words.size() - 1;
        if (arguments < arity->first || arguments > arity->second) {
            error = QString("line %1: '%2' takes %3 argument(s), not %4")
                        .arg(step.line)
                        .arg(step.words[0])
                        .arg(arity->first == arity->second
                                 ? QString::number(arity->first)
                                 : QString("%1-%2").arg(arity->first).arg(arity->second))
                        .arg(arguments);
            return {};
        }
        steps.push_back(std::move(step));
    }
    if (steps.empty()) error = "the scenario has no steps";
    return steps;
}

}  // namespace synclatch::demo
