#include "data/csv.h"

namespace clinote {

std::vector<csv_record> csv_parse(std::string_view s) {
    std::vector<csv_record> out;
    size_t i = 0, line = 1;
    if (s.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
    const size_t n = s.size();

    // Consumes a line end at i if there is one; returns whether it did.
    auto eat_newline = [&]() {
        if (i < n && s[i] == '\r') {
            i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
            line++;
            return true;
        }
        if (i < n && s[i] == '\n') {
            i++;
            line++;
            return true;
        }
        return false;
    };

    while (i < n) {
        if (eat_newline()) continue;  // blank line
        csv_record rec;
        rec.line = line;
        for (;;) {  // one field per iteration
            std::string field;
            if (s[i] == '"') {
                const size_t open_line = line;
                i++;
                bool closed = false;
                while (i < n) {
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        i++;
                        closed = true;
                        break;
                    }
                    if (s[i] == '\n' || (s[i] == '\r' && !(i + 1 < n && s[i + 1] == '\n'))) line++;
                    field += s[i++];
                }
                if (!closed) {
                    rec.error = "quoted field opened on line " + std::to_string(open_line) + " is never closed";
                    rec.fields.push_back(std::move(field));
                    out.push_back(std::move(rec));
                    return out;
                }
                if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                    if (rec.error.empty()) rec.error = "unexpected text after a closing quote";
                    while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') field += s[i++];
                }
            } else {
                while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') field += s[i++];
            }
            rec.fields.push_back(std::move(field));
            if (i < n && s[i] == ',') {
                i++;
                if (i == n) rec.fields.emplace_back();  // "a," at end of input: trailing empty field
                if (i < n) continue;
            }
            eat_newline();
            break;
        }
        out.push_back(std::move(rec));
    }
    return out;
}

}  // namespace clinote
