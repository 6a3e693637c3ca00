// The approved notes a clinic's adapter learns from, and the ones held back to judge it.
#include "core/error.h"
#include "improve/improve.h"
#include "improve/vault_templates.h"
#include "notes/entities.h"
#include "notes/transcript.h"
#include "scribe/note_write.h"
#include "train/train_data.h"

namespace clinote {

namespace {

uint64_t splitmix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// The template a draft follows: the last field of its author ("clinote:<model>:<template>" from
// the scribe, "import:<template>" from `store add --template`).
std::string draft_template(const note_record& draft) {
    const size_t colon = draft.author.rfind(':');
    return colon == std::string::npos ? "" : draft.author.substr(colon + 1);
}

}  // namespace

bool improve_held_back(int64_t encounter_id, double share) {
    const double u = double(splitmix64(uint64_t(encounter_id)) >> 11) * 0x1.0p-53;  // uniform in [0, 1)
    return u < share;
}

improve_data improve_data_collect(vault& v, const tokenizer& tok, const improve_options& o) {
    improve_data out;
    std::vector<note_template> custom = o.templates;
    for (note_template& t : vault_templates(v)) custom.push_back(std::move(t));
    train_data_options dopt;
    dopt.max_seq = o.max_seq;
    for (const encounter_summary& s : vault_encounter_list(v)) {
        if (!s.approved) continue;
        const encounter_content c = vault_encounter_load(v, s.encounter.id);
        const std::string where = "encounter " + std::to_string(c.encounter.id);
        const note_record* approved = nullptr;
        for (const note_record& n : c.notes)
            if (n.kind == "approved") approved = &n;
        if (!o.since.empty() && approved->created_at < o.since) continue;
        auto skip = [&](const std::string& why) { out.skipped.push_back(where + ": " + why); };
        if (nlohmann::json::parse(approved->text, nullptr, false).is_object()) {
            if (o.template_name.empty()) skip("the approved note is a ClinicalSummary, not a note");
            continue;
        }
        const note_record* draft = nullptr;
        for (const note_record& n : c.notes)
            if (approved->based_on && n.id == *approved->based_on) draft = &n;
        const std::string template_name = draft ? draft_template(*draft) : "";
        if (template_name.empty()) {
            skip("no draft names the note's template (write it with clinote, or store add --template)");
            continue;
        }
        if (!o.template_name.empty() && template_name != o.template_name) continue;
        // The transcript the draft was written from: the newest one older than the draft.
        const transcript_record* transcript = nullptr;
        for (const transcript_record& t : c.transcripts)
            if (t.created_at <= draft->created_at) transcript = &t;
        if (!transcript) {
            skip("no transcript");
            continue;
        }
        improve_example e;
        e.encounter_id = c.encounter.id;
        try {
            e.tmpl = template_find(template_name, custom);
        } catch (const clinote::error&) {
            skip("its template '" + template_name + "' is neither built in nor in the vault (--template-file adds one)");
            continue;
        }
        e.transcript = transcript->text;
        e.approved = entities_strip(approved->text);
        note_request r;
        r.transcript = e.transcript;
        r.tmpl = e.tmpl;
        e.messages = note_messages(r, transcript_parse(r.transcript));
        e.messages.push_back({{"role", "assistant"}, {"content", e.approved}});
        if (improve_held_back(e.encounter_id, o.hold_back)) {
            out.held_back.push_back(std::move(e));
            continue;
        }
        e.tokens = train_example_make({{"messages", e.messages}}, tok, dopt, where);
        e.tokens.id = where;
        const int64_t n = int64_t(e.tokens.tokens.size());
        if (n > o.max_seq) {
            skip("prompt and note are " + std::to_string(n) + " tokens, over the " + std::to_string(o.max_seq) +
                 " a training example may have");
            continue;
        }
        out.train.push_back(std::move(e));
    }
    return out;
}

}  // namespace clinote
