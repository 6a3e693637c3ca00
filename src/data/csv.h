// RFC 4180 CSV reading: quoted fields may hold commas, newlines and doubled quotes. The
// datasets' dialogues are multi-line quoted fields, so a line-based reader is not enough.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace clinote {

struct csv_record {
    std::vector<std::string> fields;
    size_t line = 0;    // 1-based line on which the record starts
    std::string error;  // non-empty when the record is malformed (the reader resynchronises)
};

// Parses all records (the header is records[0]). Accepts LF, CRLF and lone CR line ends and
// skips a leading UTF-8 byte-order mark and blank lines. A quote inside an unquoted field is
// literal, as in Python's csv module; text after a closing quote or a quote left open at
// the end of the input marks the record as malformed.
std::vector<csv_record> csv_parse(std::string_view text);

}  // namespace clinote
