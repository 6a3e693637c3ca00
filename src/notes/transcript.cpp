#include "notes/transcript.h"

#include <optional>

#include "notes/speaker.h"

namespace clinote {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// Appends text to a turn, collapsing whitespace so continuation lines read as one sentence run.
void append_text(std::string& dst, std::string_view text) {
    for (char c : text) {
        if (is_space(c)) {
            if (!dst.empty() && dst.back() != ' ') dst += ' ';
        } else {
            dst += c;
        }
    }
}

struct turn_builder {
    std::vector<turn> turns;
    void start(std::string speaker) { turns.push_back({std::move(speaker), {}}); }
    void add(std::string_view text) {
        if (turns.empty()) {
            bool blank = true;
            for (char c : text) blank = blank && is_space(c);
            if (blank) return;
            start("Speaker");
        }
        std::string& t = turns.back().text;
        if (!t.empty() && t.back() != ' ') t += ' ';
        append_text(t, text);
    }
    std::vector<turn> finish() {
        std::vector<turn> out;
        for (auto& t : turns) {
            while (!t.text.empty() && t.text.back() == ' ') t.text.pop_back();
            if (!t.text.empty()) out.push_back(std::move(t));
        }
        return out;
    }
};

// "Label:" at the start of a line, label at most 40 bytes and a known speaker.
std::optional<std::pair<std::string, size_t>> colon_label(std::string_view line) {
    size_t start = 0;
    while (start < line.size() && is_space(line[start])) start++;
    const size_t colon = line.find(':', start);
    if (colon == std::string_view::npos || colon - start > 40) return std::nullopt;
    auto who = speaker_normalize(line.substr(start, colon - start));
    if (!who) return std::nullopt;
    return std::make_pair(*who, colon + 1);
}

// Splits one line at every "[label]" that names a speaker.
void add_bracketed_line(turn_builder& b, std::string_view line) {
    size_t pos = 0, text_start = 0;
    while ((pos = line.find('[', pos)) != std::string_view::npos) {
        const size_t close = line.find(']', pos);
        if (close == std::string_view::npos || close - pos > 40) break;
        auto who = speaker_normalize(line.substr(pos + 1, close - pos - 1));
        if (!who) {
            pos++;
            continue;
        }
        b.add(line.substr(text_start, pos - text_start));
        b.start(*who);
        pos = text_start = close + 1;
    }
    b.add(line.substr(text_start));
}

}  // namespace

std::vector<turn> transcript_parse(std::string_view text) {
    turn_builder b;
    size_t i = 0;
    while (i <= text.size()) {
        size_t end = text.find('\n', i);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(i, end - i);
        if (auto label = colon_label(line)) {
            b.start(label->first);
            add_bracketed_line(b, line.substr(label->second));
        } else {
            add_bracketed_line(b, line);
        }
        i = end + 1;
    }
    return b.finish();
}

std::string transcript_format(const std::vector<turn>& turns) {
    std::string out;
    for (size_t i = 0; i < turns.size(); i++) {
        if (i) out += '\n';
        out += turns[i].speaker;
        out += ": ";
        out += turns[i].text;
    }
    return out;
}

}  // namespace clinote
