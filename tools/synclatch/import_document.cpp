// A SAX reader rather than json::parse, so that each entry is checked as it is read and an error can name
// the line of its key, which a parsed json value no longer knows.
#include "import_document.hpp"

#include <cstddef>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>

#include "synclatch/core/validation.hpp"

namespace synclatch::cli {

namespace {

using json = nlohmann::json;

// Hands the parser the text a character at a time and counts the newlines it has passed. When the reader
// is given a key, the parser has read exactly up to the key's closing quote (a string token needs no
// look-ahead), so the count is the key's line.
class LineCountingIterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = const char&;

    LineCountingIterator(const char* at, std::size_t* line) : at_(at), line_(line) {}

    reference operator*() const { return *at_; }
    LineCountingIterator& operator++() {
        if (*at_ == '\n') ++*line_;
        ++at_;
        return *this;
    }
    LineCountingIterator operator++(int) {
        LineCountingIterator before = *this;
        ++*this;
        return before;
    }
    bool operator==(const LineCountingIterator& other) const { return at_ == other.at_; }

  private:
    const char* at_;
    std::size_t* line_;
};

// Collects the entries of the top-level object; stops (returns false) at the first thing that is not one.
class EntryReader final : public json::json_sax_t {
  public:
    EntryReader(const std::size_t& line, std::string_view source) : line_(line), source_(source) {}

    // The document read, or why not.
    Result<ImportDocument> result() && {
        if (!error_.ok()) return error_;
        ImportDocument document;
        for (auto& [key, value] : entries_) {
            if (value)
                document.values.emplace(key, std::move(*value));
            else
                document.removals.push_back(key);
        }
        return document;
    }

    bool null() override { return entry(std::nullopt); }
    bool string(string_t& value) override { return entry(std::move(value)); }
    bool boolean(bool) override { return not_a_string("a boolean"); }
    bool number_integer(number_integer_t) override { return not_a_string("a number"); }
    bool number_unsigned(number_unsigned_t) override { return not_a_string("a number"); }
    bool number_float(number_float_t, const string_t&) override { return not_a_string("a number"); }
    bool binary(binary_t&) override { return not_a_string("binary"); }  // never in JSON text
    bool start_array(std::size_t) override { return not_a_string("an array"); }
    bool end_array() override { return true; }  // not reached: start_array stops the reading
    bool start_object(std::size_t) override {
        if (in_object_) return not_a_string("an object");
        in_object_ = true;
        return true;
    }
    bool end_object() override { return true; }

    bool key(string_t& key) override {
        key_ = key;
        key_line_ = line_;
        if (Status valid = core::validate_key(key); !valid.ok()) return fail(valid.message());
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const json::exception& error) override {
        // "[json.exception.parse_error.101] parse error at line 3, column 9: ...": the part after the id.
        std::string_view what = error.what();
        if (const auto id_end = what.find("] "); id_end != std::string_view::npos)
            what.remove_prefix(id_end + 2);
        error_ = {Errc::invalid_argument, std::string(source_) + ": " + std::string(what)};
        return false;
    }

  private:
    bool entry(std::optional<std::string> value) {
        if (!in_object_) return not_an_object();
        if (value) {
            if (Status valid = core::validate_value(*value); !valid.ok())
                return fail("the value of '" + key_ + "': " + valid.message());
        }
        entries_[key_] = std::move(value);
        return true;
    }

    bool not_a_string(std::string_view what) {
        if (!in_object_) return not_an_object();
        return fail("the value of '" + key_ + "' is " + std::string(what) + ", not a string or null");
    }

    bool not_an_object() {
        error_ = {Errc::invalid_argument,
                  std::string(source_) + " is not a JSON object of keys to string values"};
        return false;
    }

    bool fail(const std::string& why) {
        error_ = {Errc::invalid_argument,
                  std::string(source_) + " line " + std::to_string(key_line_) + ": " + why};
        return false;
    }

    const std::size_t& line_;
    std::string_view source_;
    bool in_object_ = false;
    std::string key_;
    std::size_t key_line_ = 0;
    std::map<std::string, std::optional<std::string>> entries_;
    Status error_;
};

}  // namespace

Result<ImportDocument> read_import_document(std::string_view text, std::string_view source) {
    std::size_t line = 1;
    EntryReader reader(line, source);
    json::sax_parse(LineCountingIterator(text.data(), &line),
                    LineCountingIterator(text.data() + text.size(), &line), &reader);
    return std::move(reader).result();
}

}  // namespace synclatch::cli
