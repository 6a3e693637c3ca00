// PriMock57 importer: clinician notes as JSON, transcripts as joined text or Praat TextGrids.
#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/file.h"
#include "data/import.h"
#include "data/import_common.h"
#include "notes/section_map.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

struct utterance {
    double start;
    std::string speaker;
    std::string text;
};

// Drops PriMock57's inline annotations (<UNSURE>..</UNSURE>, <UNIN/>, ...), keeping the words.
std::string strip_annotations(const std::string& s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == '<') {
            const size_t close = s.find('>', i);
            if (close != std::string::npos) {
                i = close + 1;
                continue;
            }
        }
        out += s[i++];
    }
    return trim_copy(out);
}

// Intervals of a long-format Praat TextGrid: each `text = "..."` with the nearest preceding
// `xmin = `. Praat doubles quotes inside strings.
std::vector<utterance> textgrid_read(const std::string& path, const std::string& speaker) {
    const std::string s = file_read_text(path);
    if (s.find("ooTextFile") == std::string::npos) fail(path, "not a Praat TextGrid (no ooTextFile header)");
    std::vector<utterance> out;
    size_t pos = 0, prev_end = 0;
    while ((pos = s.find("text = \"", pos)) != std::string::npos) {
        const size_t xmin_at = s.rfind("xmin = ", pos);
        if (xmin_at == std::string::npos || xmin_at < prev_end) fail(path, "interval without xmin before byte " +
                                                                              std::to_string(pos));
        double start = 0;
        try {
            start = std::stod(s.substr(xmin_at + 7, 32));
        } catch (const std::exception&) {
            fail(path, "bad xmin at byte " + std::to_string(xmin_at));
        }
        size_t i = pos + 8;
        std::string text;
        for (;;) {
            if (i >= s.size()) fail(path, "unterminated text string at byte " + std::to_string(pos));
            if (s[i] == '"') {
                if (i + 1 < s.size() && s[i + 1] == '"') {
                    text += '"';
                    i += 2;
                    continue;
                }
                break;
            }
            text += s[i++];
        }
        prev_end = pos = i + 1;
        text = strip_annotations(text);
        if (!text.empty()) out.push_back({start, speaker, text});
    }
    return out;
}

// Turns of one consultation, or an error message.
std::vector<turn> primock_turns(const std::filesystem::path& dir, const std::string& name) {
    const auto txt = dir / "transcripts" / (name + ".txt");
    if (std::filesystem::exists(txt)) return transcript_parse(file_read_text(txt.string()));
    const auto doc = dir / "transcripts" / (name + "_doctor.TextGrid");
    const auto pat = dir / "transcripts" / (name + "_patient.TextGrid");
    if (!std::filesystem::exists(doc) || !std::filesystem::exists(pat))
        fail((dir / "transcripts").string(), "no transcript for '" + name + "' (" + name + ".txt or " + name +
                                                 "_doctor.TextGrid + " + name + "_patient.TextGrid)");
    auto utts = textgrid_read(doc.string(), "Doctor");
    auto pu = textgrid_read(pat.string(), "Patient");
    utts.insert(utts.end(), pu.begin(), pu.end());
    std::stable_sort(utts.begin(), utts.end(), [](const utterance& a, const utterance& b) { return a.start < b.start; });
    std::vector<turn> turns;
    for (const auto& u : utts) turns.push_back({u.speaker, u.text});
    return turns;
}

}  // namespace

std::vector<encounter> import_primock(const std::string& dir_path, const import_options& o, import_report& r) {
    namespace fs = std::filesystem;
    const fs::path dir(dir_path);
    if (!fs::is_directory(dir / "notes")) fail(dir_path, "expected a PriMock57 folder with notes/ and transcripts/");
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir / "notes"))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<encounter> out;
    for (const auto& file : files) {
        r.read++;
        const std::string where = file.string();
        import_row_guarded(o, r, [&] {
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(file_read_text(where));
            } catch (const nlohmann::json::exception& e) {
                fail(where, std::string("not valid JSON: ") + e.what());
            }
            if (!j.is_object() || !j.contains("note") || !j["note"].is_string())
                fail(where, "note: missing or not a string");
            const std::string name = file.stem().string();
            encounter e;
            e.id = e.group = "primock-" + name;
            e.source = "primock57";
            e.note = trim_copy(j["note"].get<std::string>());
            e.sections = note_split_sections(e.note);
            e.turns = primock_turns(dir, name);
            for (const char* key : {"day", "consultation", "presenting_complaint", "highlights"})
                if (j.contains(key)) e.metadata[key] = j[key];
            if (const std::string p = encounter_problem(e); !p.empty()) fail(where, p);
            out.push_back(std::move(e));
        });
    }
    return out;
}

}  // namespace clinote
