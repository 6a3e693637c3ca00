#include "notes/entities.h"

#include <algorithm>

namespace clinote {

const std::vector<std::string>& entity_types() {
    static const std::vector<std::string> types = {"drug", "dose", "freq", "dx", "symptom", "lab", "vital",
                                                   "procedure", "allergy"};
    return types;
}

namespace {

enum class piece_kind { text, entity };

struct piece {
    piece_kind kind;
    std::string_view text;  // raw text, or the entity value
    std::string_view type;
};

// Walks tagged text once; both renderers and the parser are built on it so they agree.
std::vector<piece> split_pieces(std::string_view s, std::vector<entity_problem>* problems) {
    std::vector<piece> out;
    size_t text_start = 0, i = 0;
    auto report = [&](size_t at, std::string msg) {
        if (problems) problems->push_back({at, std::move(msg)});
    };
    while ((i = s.find("{{", i)) != std::string_view::npos) {
        const size_t close = s.find("}}", i + 2);
        const size_t newline = s.find('\n', i + 2);
        if (close == std::string_view::npos || (newline != std::string_view::npos && newline < close)) {
            report(i, "unterminated entity tag (no '}}' on the same line)");
            i += 2;
            continue;
        }
        const std::string_view body = s.substr(i + 2, close - i - 2);
        const size_t colon = body.find(':');
        if (colon == std::string_view::npos) {
            report(i, "entity tag without ':' between type and value");
            i += 2;
            continue;
        }
        const std::string_view type = body.substr(0, colon);
        const std::string_view value = body.substr(colon + 1);
        const auto& types = entity_types();
        if (std::find(types.begin(), types.end(), type) == types.end()) {
            std::string known;
            for (const auto& t : types) known += (known.empty() ? "" : ", ") + t;
            report(i, "unknown entity type '" + std::string(type) + "' (known: " + known + ")");
            i += 2;
            continue;
        }
        if (value.empty() || value.find_first_of("{}") != std::string_view::npos) {
            report(i, value.empty() ? "entity tag with an empty value" : "entity value contains '{' or '}'");
            i += 2;
            continue;
        }
        if (i > text_start) out.push_back({piece_kind::text, s.substr(text_start, i - text_start), {}});
        out.push_back({piece_kind::entity, value, type});
        i = text_start = close + 2;
    }
    if (text_start < s.size()) out.push_back({piece_kind::text, s.substr(text_start), {}});
    return out;
}

}  // namespace

entity_parse_result entities_parse(std::string_view tagged) {
    entity_parse_result r;
    const auto pieces = split_pieces(tagged, &r.problems);
    size_t raw_offset = 0;
    for (const auto& p : pieces) {
        const size_t raw_len = p.kind == piece_kind::text ? p.text.size() : p.type.size() + p.text.size() + 5;
        if (p.kind == piece_kind::entity)
            r.entities.push_back({std::string(p.type), std::string(p.text), raw_offset, r.plain.size()});
        r.plain += p.text;
        raw_offset += raw_len;
    }
    return r;
}

std::string entities_strip(std::string_view tagged) {
    std::string out;
    for (const auto& p : split_pieces(tagged, nullptr)) out += p.text;
    return out;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string entities_to_html(std::string_view tagged) {
    std::string out;
    for (const auto& p : split_pieces(tagged, nullptr)) {
        if (p.kind == piece_kind::text) {
            out += html_escape(p.text);
        } else {
            out += "<mark class=\"ent ent-";
            out += p.type;  // types are fixed lowercase words, nothing to escape
            out += "\">";
            out += html_escape(p.text);
            out += "</mark>";
        }
    }
    return out;
}

std::string entity_tag(std::string_view type, std::string_view value) {
    std::string s = "{{";
    s += type;
    s += ':';
    s += value;
    s += "}}";
    return s;
}

}  // namespace clinote
