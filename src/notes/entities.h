// Inline entity tags in notes: "{{drug:metformin}} {{dose:500 mg}} twice daily". A model
// trained on tagged notes writes them; the UI highlights them and the plain note drops them.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace clinote {

// The tag types a note may use.
const std::vector<std::string>& entity_types();

struct entity_span {
    std::string type;
    std::string value;
    size_t offset = 0;        // byte offset of "{{" in the tagged text
    size_t plain_offset = 0;  // byte offset of value in the plain (stripped) text
};

struct entity_problem {
    size_t offset = 0;  // byte offset in the tagged text
    std::string message;
};

struct entity_parse_result {
    std::string plain;  // tags replaced by their values; malformed tags kept verbatim
    std::vector<entity_span> entities;
    std::vector<entity_problem> problems;
};

// Well-formed: "{{" type ":" value "}}", type in entity_types(), value non-empty, on one
// line, without braces. Anything else that starts with "{{" is reported and left as text.
entity_parse_result entities_parse(std::string_view tagged);

// The note without tags; text outside tags is unchanged byte for byte.
std::string entities_strip(std::string_view tagged);

// HTML-escaped note with each entity as <mark class="ent ent-TYPE">value</mark>.
std::string entities_to_html(std::string_view tagged);

std::string html_escape(std::string_view text);

// "{{type:value}}"
std::string entity_tag(std::string_view type, std::string_view value);

}  // namespace clinote
