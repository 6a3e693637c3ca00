// The scribe API over the vault: unlock and lock, encounters, transcripts, notes (generated
// through the one prompt builder, streamed, edited, approved, every version with its diff)
// and exports (Markdown, ClinicalSummary JSON, FHIR R4 Bundle). Notes are written by the
// pipeline `clinote note` runs (scribe/note_write.h): the request's JSON becomes its request.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "core/utc_time.h"
#include "improve/vault_templates.h"
#include "notes/entities.h"
#include "notes/fhir_export.h"
#include "notes/note_template.h"
#include "notes/summary_schema.h"
#include "scribe/note_review.h"
#include "scribe/backend_decoder.h"
#include "scribe/note_write.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

vault& vault_require(server_context& ctx) {
    if (ctx.opt.vault_dir.empty())
        throw api_error(409, "no_vault", "vault: none configured (start the server with --vault DIR)");
    std::lock_guard<std::mutex> lock(ctx.vault_mu);
    if (!ctx.vault || vault_is_locked(*ctx.vault)) throw api_error(423, "vault_locked", "vault: locked (unlock it first)");
    return *ctx.vault;
}

nlohmann::json transcript_json(const transcript_record& t) {
    return {{"id", t.id}, {"version", t.version}, {"text", t.text}, {"source", t.source}, {"created_at", t.created_at}};
}

namespace {

bool vault_exists(const std::string& dir) { return std::filesystem::exists(std::filesystem::path(dir) / "vault.key"); }

nlohmann::json note_json(const note_record& n) {
    return {{"id", n.id},
            {"encounter_id", n.encounter_id},
            {"version", n.version},
            {"kind", n.kind},
            {"text", n.text},
            {"html", entities_to_html(n.text)},
            {"plain", entities_strip(n.text)},  // without entity tags: what is copied and printed
            {"diff", n.diff},
            {"author", n.author},
            {"based_on", n.based_on ? nlohmann::json(*n.based_on) : nlohmann::json()},
            {"created_at", n.created_at}};
}

nlohmann::json encounter_json(const encounter_record& e) {
    return {{"id", e.id}, {"title", e.title}, {"created_at", e.created_at}};
}

nlohmann::json content_json(const encounter_content& c) {
    nlohmann::json out = encounter_json(c.encounter);
    out["transcripts"] = nlohmann::json::array();
    for (const auto& t : c.transcripts) out["transcripts"].push_back(transcript_json(t));
    out["notes"] = nlohmann::json::array();
    for (const auto& n : c.notes) out["notes"].push_back(note_json(n));
    return out;
}

const note_record* latest_note(const encounter_content& c, const std::string& kind) {
    const note_record* best = nullptr;
    for (const auto& n : c.notes)
        if (n.kind == kind) best = &n;
    return best;
}


// The newest approved note that is a ClinicalSummary: what leaves the vault as structured
// data must have been reviewed, never an AI draft.
struct approved_summary {
    clinical_summary summary;
    const note_record* note;
};

std::optional<approved_summary> latest_approved_summary(const encounter_content& c) {
    for (auto it = c.notes.rbegin(); it != c.notes.rend(); ++it) {
        if (it->kind != "approved") continue;
        const nlohmann::json j = nlohmann::json::parse(it->text, nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        try {
            return approved_summary{summary_from_json(j, "note " + std::to_string(it->id)), &*it};
        } catch (const clinote::error&) {
        }
    }
    return std::nullopt;
}

std::string export_markdown(const encounter_content& c) {
    std::string md = "# " + (c.encounter.title.empty() ? "Encounter " + std::to_string(c.encounter.id) : c.encounter.title) +
                     "\n\nEncounter " + std::to_string(c.encounter.id) + ", created " + c.encounter.created_at + "\n\n";
    const note_record* note = latest_note(c, "approved");
    if (!note) note = latest_note(c, "draft");
    if (note) {
        md += "## Note (" + std::string(note->kind == "approved" ? "approved by " + note->author : "draft, not approved") +
              ", version " + std::to_string(note->version) + ", " + note->created_at + ")\n\n" + entities_strip(note->text) +
              "\n\n";
    }
    if (!c.transcripts.empty()) md += "## Transcript\n\n" + c.transcripts.back().text + "\n";
    return md;
}

// A note job: the pipeline's request (scribe/note_write.h), planned when the request is
// accepted (tokenised with the base's tokenizer, cut into parts for a long visit), and the
// base and adapter it runs on.
struct note_job {
    note_request request;
    note_plan plan;
    model_choice model;
    bool stream = false;
};

nlohmann::json template_json(const note_template& t, bool custom) {
    nlohmann::json j = template_to_json(t);
    j["custom"] = custom;
    return j;
}

// What every note request names, for writing a note or reviewing one: the encounter's latest
// transcript and the note's format, template (built in or the vault's) and section.
note_request note_fields_parse(const nlohmann::json& body, const encounter_content& c, vault& v) {
    if (c.transcripts.empty())
        throw api_error(409, "no_transcript", "encounter " + std::to_string(c.encounter.id) + ": add a transcript first");
    note_request q;
    q.transcript = c.transcripts.back().text;
    const std::string format = json_string(body, "format", "note");
    if (format != "note" && format != "summary")
        throw api_error(400, "invalid_field", "format: must be \"note\" or \"summary\"");
    q.json = format == "summary";
    // "source": "approved": the ClinicalSummary is extracted from the newest approved prose note
    // (entity tags removed), so what leaves as structured data is what the clinician approved.
    const std::string source = json_string(body, "source", "transcript");
    if (source != "transcript" && source != "approved")
        throw api_error(400, "invalid_field", "source: must be \"transcript\" or \"approved\"");
    if (source == "approved") {
        if (!q.json) throw api_error(400, "invalid_field", "source: \"approved\" is for format \"summary\"");
        for (auto it = c.notes.rbegin(); it != c.notes.rend() && q.approved_note.empty(); ++it)
            if (it->kind == "approved" && !nlohmann::json::parse(it->text, nullptr, false).is_object())
                q.approved_note = entities_strip(it->text);
        if (q.approved_note.empty())
            throw api_error(409, "no_approved_note", "encounter " + std::to_string(c.encounter.id) + ": approve a note first");
    }
    q.tmpl = body.contains("template_json") ? template_from_json(body["template_json"], "template_json")
                                            : template_find(json_string(body, "template", "soap"), vault_templates(v));
    q.section = json_string(body, "section", "");
    return q;
}

// The JSON fields as `clinote note`'s flags: what a field leaves out, the CLI's default.
note_job note_job_parse(server_context& ctx, const nlohmann::json& body, const encounter_content& c) {
    note_job r;
    r.request = note_fields_parse(body, c, vault_require(ctx));
    // "model" names a base (and adapter) like the OpenAI API; else the default base with "adapter".
    r.model = body.contains("model") ? model_choice_resolve(ctx.host, ctx.adapters, json_string_required(body, "model"))
                                     : model_choice_default(ctx.host, ctx.adapters,
                                                            json_string(body, "adapter", note_adapter_default(ctx)));
    const base_model& base = ctx.host.bases[r.model.base];
    note_request& q = r.request;
    q.source = "encounter " + std::to_string(c.encounter.id) + " transcript " + std::to_string(c.transcripts.back().version);
    q.entity_tags = json_bool(body, "entity_tags", q.entity_tags);
    q.n_ctx = base.n_ctx;
    generate_params& p = q.params;
    p.max_tokens = int(json_integer(body, "max_tokens", p.max_tokens, 1, base.n_ctx));
    p.sampling.temperature = float(json_number(body, "temperature", p.sampling.temperature, 0.0, 2.0));
    p.sampling.top_p = float(json_number(body, "top_p", p.sampling.top_p, 0.0, 1.0));
    p.sampling.repeat_penalty = float(json_number(body, "repeat_penalty", p.sampling.repeat_penalty, 0.5, 2.0));
    p.sampling.seed = uint64_t(json_integer(body, "seed", int64_t(p.sampling.seed), 0, INT64_MAX));
    r.stream = json_bool(body, "stream", false);
    try {
        r.plan = note_plan_make(base.tok, q);
    } catch (const clinote::error& e) {
        throw api_error(400, "context_length_exceeded", e.what());  // an empty transcript, or a turn too long
    }
    return r;
}

// Runs on the worker: writes the note, and stores the draft unless the job was cancelled.
nlohmann::json note_generate(server_context& ctx, job& j, int64_t encounter_id, const note_job& r) {
    const tokenizer& tok = ctx.host.bases[r.model.base].tok;
    // A part that is not streamed still stops when the job is cancelled.
    const text_callback quiet = [&j](const std::string&) { return !j.cancel_requested; };
    note_decoder decode = [&](const note_part& part, const generate_params& params, const text_callback& on_text) {
        return note_part_decode(part, tok, params, [&](const std::vector<int32_t>& prompt,
                                                       const std::vector<std::string>& headings,
                                                       const generate_params& p) {
            return model_host_generate(ctx.host, j, r.model.base, r.model.adapter.get(), prompt, p, headings,
                                       on_text ? on_text : quiet);
        });
    };
    if (!ctx.opt.backend.url.empty()) {
        const note_decoder remote = note_decoder_for_backend(ctx.opt.backend, tok);
        decode = [&j, remote, quiet](const note_part& part, const generate_params& params, const text_callback& on_text) {
            // The backend's tokens count toward the job's progress as its pieces arrive.
            const text_callback counted = [&j, &on_text, &quiet](const std::string& piece) {
                j.tokens_done++;
                return on_text ? on_text(piece) : quiet(piece);
            };
            return remote(part, params, counted);
        };
    }
    note_result res;
    try {
        res = note_write(r.request, r.plan, decode, [&j](const std::string& piece) { return job_emit(j, piece); });
    } catch (const clinote::error& e) {
        if (ctx.opt.backend.url.empty()) throw;
        // The transcript and earlier notes stay as they were; nothing is stored from a failed backend.
        throw api_error(502, "backend_failed", e.what());
    }
    if (res.finish_reason == "cancelled") return {{"finish_reason", "cancelled"}};
    const std::string& backend = ctx.opt.backend.model.empty() ? ctx.opt.backend.url : ctx.opt.backend.model;
    const std::string author = "clinote:" + (backend.empty() ? r.model.name : "backend " + backend) + ":" +
                               (r.request.json ? "summary" : r.request.tmpl.name);
    const note_record n = vault_note_add_draft(vault_require(ctx), encounter_id, res.text, author);
    return {{"finish_reason", res.finish_reason},
            {"note", note_json(n)},
            {"stats", note_stats_json(res.stats)},
            {"review", note_review_json(note_review_make(r.request, res.text, ctx.lexicons), res.text)}};
}

void vault_routes_add(httplib::Server& http, server_context& ctx) {
    http.Get("/api/vault", [&ctx](const httplib::Request&, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(ctx.vault_mu);
        reply_json(res, {{"configured", !ctx.opt.vault_dir.empty()},
                         {"exists", !ctx.opt.vault_dir.empty() && vault_exists(ctx.opt.vault_dir)},
                         {"unlocked", ctx.vault && !vault_is_locked(*ctx.vault)}});
    });
    http.Post("/api/vault/unlock", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string passphrase = json_string_required(body, "passphrase");
        if (ctx.opt.vault_dir.empty())
            throw api_error(409, "no_vault", "vault: none configured (start the server with --vault DIR)");
        vault_options vo;
        vo.actor = ctx.opt.actor;
        vo.idle_timeout_s = ctx.opt.vault_idle_lock_s;
        if (body.contains("kdf_level"))
            throw api_error(400, "invalid_field", "kdf_level: the server sets the key derivation cost, not a request");
        std::lock_guard<std::mutex> lock(ctx.vault_mu);
        if (ctx.vault && !vault_is_locked(*ctx.vault))
            throw api_error(409, "already_unlocked", "vault: already unlocked (lock it first to unlock again)");
        // Guessing is slowed for the whole process: after the second wrong passphrase in a row
        // each attempt waits 1, 2, 4 ... up to 300 seconds after the last failure.
        const auto now = std::chrono::steady_clock::now();
        if (now < ctx.unlock_retry_at) {
            const auto wait = std::chrono::duration_cast<std::chrono::seconds>(ctx.unlock_retry_at - now).count() + 1;
            res.set_header("Retry-After", std::to_string(wait));
            throw api_error(429, "too_many_attempts",
                            "passphrase: too many wrong attempts; retry in " + std::to_string(wait) + " s");
        }
        try {
            if (ctx.vault) {
                vault_unlock(*ctx.vault, passphrase);
            } else if (vault_exists(ctx.opt.vault_dir)) {
                ctx.vault = vault_open(ctx.opt.vault_dir, passphrase, vo);
            } else if (json_bool(body, "create", false)) {
                if (passphrase.size() < 8) throw api_error(400, "weak_passphrase", "passphrase: at least 8 characters");
                vault_create_options co;
                co.kdf = kdf_level_parse(ctx.opt.vault_kdf, "server vault_kdf");
                ctx.vault = vault_create(ctx.opt.vault_dir, passphrase, co, vo);
            } else {
                throw api_error(404, "no_vault", "vault: " + ctx.opt.vault_dir + " holds no vault yet (send \"create\": true)");
            }
        } catch (const clinote::error& e) {
            const std::string what = e.what();
            if (what.find("wrong passphrase") == std::string::npos) throw;
            ctx.unlock_failures++;
            if (ctx.unlock_failures >= 2)
                ctx.unlock_retry_at = now + std::chrono::seconds(std::min(300, 1 << std::min(ctx.unlock_failures - 2, 9)));
            throw api_error(403, "wrong_passphrase", what);
        }
        ctx.unlock_failures = 0;
        clinic_adapter_refresh(ctx);  // the clinic's adapter, when the vault has one, once the worker is free
        reply_json(res, {{"unlocked", true}});
    });
    http.Post("/api/vault/lock", [&ctx](const httplib::Request&, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(ctx.vault_mu);
        if (ctx.vault && !vault_is_locked(*ctx.vault)) vault_lock(*ctx.vault);
        // The clinic's adapter was trained on the vault's notes: it leaves memory with the key.
        adapter_registry_remove(ctx.adapters, "clinic");
        reply_json(res, {{"unlocked", false}});
    });
}

void encounter_routes_add(httplib::Server& http, server_context& ctx) {
    // Built-in templates, then the clinic's own from the vault (when it is unlocked).
    http.Get("/api/templates", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        for (const note_template& t : template_builtins()) list.push_back(template_json(t, false));
        if (ctx.vault && !vault_is_locked(*ctx.vault))
            for (const note_template& t : vault_templates(*ctx.vault)) list.push_back(template_json(t, true));
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    // A custom template, created or replaced: checked as `clinote note --template-file` checks
    // one, its "name" the path's; a built-in's name is refused.
    http.Put(R"(/api/templates/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const std::string name = req.matches[1].str();
        nlohmann::json body = json_body_parse(req);
        if (!body.contains("name")) body["name"] = name;
        note_template t;
        try {
            t = template_from_json(body, "template");
        } catch (const clinote::error& e) {
            throw api_error(400, "invalid_template", e.what());
        }
        if (t.name != name) throw api_error(400, "invalid_template", "template: name: '" + t.name + "' is not the path's '" + name + "'");
        for (const note_template& b : template_builtins())
            if (b.name == name) throw api_error(400, "invalid_template", "template: name: '" + name + "' is a built-in template");
        vault_template_save(vault_require(ctx), name, template_to_json(t).dump());
        reply_json(res, template_json(t, true));
    });
    http.Delete(R"(/api/templates/([^/]+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        if (!vault_template_delete(vault_require(ctx), req.matches[1].str()))
            throw api_error(404, "not_found", "template " + req.matches[1].str() + ": not in the vault");
        reply_json(res, {{"deleted", true}});
    });
    http.Get("/api/encounters", [&ctx](const httplib::Request&, httplib::Response& res) {
        nlohmann::json list = nlohmann::json::array();
        for (const encounter_summary& s : vault_encounter_list(vault_require(ctx))) {
            nlohmann::json e = encounter_json(s.encounter);
            e["n_transcripts"] = s.n_transcripts;
            e["n_notes"] = s.n_notes;
            e["approved"] = s.approved;
            list.push_back(e);
        }
        reply_json(res, {{"object", "list"}, {"data", list}});
    });
    http.Post("/api/encounters", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        vault& v = vault_require(ctx);
        encounter_record e;
        e.title = json_string(body, "title", "");
        const std::string transcript = json_string(body, "transcript", "");
        e.id = vault_encounter_add(v, e);
        if (!transcript.empty()) vault_transcript_add(v, e.id, transcript, json_string(body, "source", "web"));
        reply_json(res, content_json(vault_encounter_load(v, e.id)), 201);
    });
    http.Get(R"(/api/encounters/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        reply_json(res, content_json(vault_encounter_load(vault_require(ctx), path_id(req, 1))));
    });
    http.Delete(R"(/api/encounters/(\d+))", [&ctx](const httplib::Request& req, httplib::Response& res) {
        vault_encounter_delete(vault_require(ctx), path_id(req, 1));
        reply_json(res, {{"deleted", true}});
    });
    http.Post(R"(/api/encounters/(\d+)/transcripts)", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string text = json_string_required(body, "text");
        if (text.empty()) throw api_error(400, "invalid_field", "text: empty transcript");
        const transcript_record t =
            vault_transcript_add(vault_require(ctx), path_id(req, 1), text, json_string(body, "source", "web"));
        reply_json(res, transcript_json(t), 201);
    });
    http.Get(R"(/api/encounters/(\d+)/notes)", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const encounter_content c = vault_encounter_load(vault_require(ctx), path_id(req, 1));
        reply_json(res, {{"object", "list"}, {"data", content_json(c)["notes"]}});
    });
    http.Post(R"(/api/encounters/(\d+)/notes)", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const int64_t id = path_id(req, 1);
        const encounter_content c = vault_encounter_load(vault_require(ctx), id);
        auto r = std::make_shared<note_job>(note_job_parse(ctx, body, c));
        auto j = job_queue_submit(ctx.queue, "note", r->request.params.max_tokens * int64_t(r->plan.prompts.size()),
                                  [&ctx, id, r](job& jj) { return note_generate(ctx, jj, id, *r); });
        if (!j) throw_queue_full(ctx);
        if (!r->stream) {
            reply_job_json(ctx, res, j, job_reply_body);
            return;
        }
        auto text = std::make_shared<std::string>();
        reply_job_events(
            ctx, res, j,
            [text, j](const std::string& piece) {
                *text += piece;
                return sse_event({{"delta", piece},
                                  {"html", entities_to_html(*text)},
                                  {"tokens_done", j->tokens_done.load()},
                                  {"tokens_max", j->tokens_max}});
            },
            [](job& jj) { return sse_event(job_reply_body(jj)) + "data: [DONE]\n\n"; });
    });
    http.Post(R"(/api/encounters/(\d+)/approve)", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string text = json_string_required(body, "text");
        vault& v = vault_require(ctx);
        const int64_t id = path_id(req, 1);
        const encounter_content c = vault_encounter_load(v, id);
        // Approving with flags is allowed; how many were left is in the audit log.
        std::optional<note_review> review;
        if (!c.transcripts.empty()) review = note_review_make(note_fields_parse(body, c, v), text, ctx.lexicons);
        const note_record n = vault_note_approve(v, id, text, ctx.opt.actor);
        if (review && !review->flags.empty())
            vault_audit_record(v, "note.approved_with_flags",
                               "encounter:" + std::to_string(id) + " flags:" + std::to_string(review->flags.size()));
        nlohmann::json out = note_json(n);
        if (review) out["review"] = note_review_json(*review, text);
        reply_json(res, out, 201);
    });
    // The review of any text (the editor's) against the encounter's latest transcript.
    http.Post(R"(/api/encounters/(\d+)/review)", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const std::string text = json_string_required(body, "text");
        vault& v = vault_require(ctx);
        const encounter_content c = vault_encounter_load(v, path_id(req, 1));
        reply_json(res, note_review_json(note_review_make(note_fields_parse(body, c, v), text, ctx.lexicons), text));
    });
    http.Get(R"(/api/encounters/(\d+)/export/(markdown|summary|fhir))",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
                 vault& v = vault_require(ctx);
                 const int64_t id = path_id(req, 1);
                 const std::string format = req.matches[2].str();
                 const encounter_content c = vault_encounter_load(v, id);
                 const std::string object = "encounter:" + std::to_string(id);
                 const std::string file = "encounter-" + std::to_string(id);
                 if (format == "markdown") {
                     vault_audit_record(v, "export.markdown", object);
                     res.set_header("Content-Disposition", "attachment; filename=\"" + file + ".md\"");
                     res.set_content(export_markdown(c), "text/markdown; charset=utf-8");
                     return;
                 }
                 const std::optional<approved_summary> s = latest_approved_summary(c);
                 if (!s)
                     throw api_error(409, "no_summary",
                                     "encounter " + std::to_string(id) +
                                         ": no approved ClinicalSummary yet (generate one with format \"summary\", "
                                         "review it and approve it)");
                 vault_audit_record(v, "export." + format, object);
                 nlohmann::ordered_json out;
                 if (format == "summary") {
                     out = summary_to_json(s->summary);
                 } else {
                     fhir_export_options fo;
                     fo.timestamp = utc_now();
                     fo.id_seed = uint64_t(id);
                     fo.attester = s->note->author;
                     fo.attested_at = s->note->created_at;
                     out = fhir_bundle_from_summary(s->summary, fo);
                 }
                 res.set_header("Content-Disposition",
                                "attachment; filename=\"" + file + (format == "fhir" ? ".fhir.json\"" : ".summary.json\""));
                 res.set_content(out.dump(2), format == "fhir" ? "application/fhir+json" : "application/json");
             });
}

}  // namespace

void scribe_routes_add(httplib::Server& http, server_context& ctx) {
    vault_routes_add(http, ctx);
    encounter_routes_add(http, ctx);
}

}  // namespace clinote
