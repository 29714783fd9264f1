// `synclatch import`'s input, a JSON object {"key": "value" | null}, read and checked whole before anything
// is written: a bad entry stops the import with nothing stored, and the error names its line.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "synclatch/core/result.hpp"

namespace synclatch::cli {

struct ImportDocument {
    std::map<std::string, std::string> values;  // "key": "value": written
    std::vector<std::string> removals;          // "key": null: removed
};

// `source` names the text in errors (a file name, or "standard input"). invalid_argument for text that is
// not one JSON object ("SOURCE is not a JSON object ...", or the parser's error with its line and column),
// and "SOURCE line N: ..." for an entry whose value is not a string or null or whose key or value the
// store would refuse (core/validation.hpp). A key given twice: its last entry counts, as in a JSON parser.
Result<ImportDocument> read_import_document(std::string_view text, std::string_view source);

}  // namespace synclatch::cli
