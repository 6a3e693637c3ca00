// The loop: train a candidate from the approved notes, compare it with the adapter in use on
// the held-back ones, promote or refuse it, keep it with its scores.
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "eval/factual_check.h"
#include "eval/note_defects.h"
#include "eval/rouge.h"
#include "improve/improve.h"
#include "scribe/note_write.h"
#include "train/trainer.h"

namespace clinote {

namespace {

// A folder only this user can read (mkdtemp makes it 0700), removed with everything in it
// however the run ends: the trainer's files hold weights and losses, never note text.
struct private_folder {
    std::string path;
    private_folder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "clinote-improve-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) fail(pattern, "cannot create a private temporary folder");
        path = pattern;
    }
    ~private_folder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    private_folder(const private_folder&) = delete;
    private_folder& operator=(const private_folder&) = delete;
};

nlohmann::json delta_json(const mean_ci& d) { return {{"mean", d.mean}, {"lo", d.lo}, {"hi", d.hi}}; }

void report(const improve_options& o, const char* phase, int64_t done, int64_t total) {
    if (o.on_progress) o.on_progress({phase, done, total});
}

}  // namespace

nlohmann::json improve_scores_json(const improve_scores& s) {
    return {{"rouge1", s.rouge1}, {"loop_rate", s.loop_rate}, {"unsupported_per_note", s.unsupported_per_note}, {"n", s.n}};
}

improve_scores improve_score(const model& m, const lora_adapter* adapter, const std::vector<improve_example>& held_back,
                             const improve_options& o, const fact_lexicons& lexicons,
                             const std::function<void(int64_t)>& on_note) {
    improve_scores s;
    for (const improve_example& e : held_back) {
        if (o.stop && *o.stop) fail("improve", "cancelled");
        note_request r;
        r.transcript = e.transcript;
        r.source = "encounter " + std::to_string(e.encounter_id);
        r.tmpl = e.tmpl;
        r.n_ctx = o.n_ctx;
        r.params = o.note_params;
        const std::string note = note_write(m, adapter, r).text;
        s.rouge1_each.push_back(rouge_score(e.approved, note).rouge1.fmeasure);
        s.unsupported_each.push_back(double(factual_check(e.transcript, note, std::nullopt, lexicons).unsupported.size()));
        s.rouge1 += s.rouge1_each.back();
        s.loop_rate += note_loops(note) ? 1.0 : 0.0;
        s.unsupported_per_note += s.unsupported_each.back();
        s.n++;
        if (on_note) on_note(s.n);
    }
    if (s.n > 0) {
        s.rouge1 /= double(s.n);
        s.loop_rate /= double(s.n);
        s.unsupported_per_note /= double(s.n);
    }
    return s;
}

nlohmann::json improve_result::json() const {
    return {{"version", version.version},
            {"rouge1_delta", delta_json(rouge1_delta)},
            {"unsupported_delta", delta_json(unsupported_delta)},
            {"parent", version.parent ? nlohmann::json(*version.parent) : nlohmann::json()},
            {"decision", version.decision},
            {"promoted", promoted},
            {"reason", reason},
            {"current_name", current_name},
            {"current", improve_scores_json(current)},
            {"candidate", improve_scores_json(candidate)},
            {"n_train", n_train},
            {"n_held_back", n_held_back},
            {"skipped", skipped}};
}

std::optional<lora_adapter> improve_current_adapter(vault& v, const model& m, const std::string& base_name) {
    const std::optional<int64_t> current = vault_adapter_version_current(v);
    if (!current) return std::nullopt;
    const adapter_version_record r = vault_adapter_version_load(v, *current);
    const std::string where = "adapter version " + std::to_string(r.version);
    if (r.base != base_name) fail(where, "was trained for " + r.base + ", not " + base_name);
    return lora_adapter_from_bytes(r.weights, m, where);
}

improve_result improve_run(vault& v, const model& m, const improve_options& o, const fact_lexicons& lexicons) {
    // Training outlasts a server's idle lock; the result must still be stored at the end.
    const vault_busy busy(v);
    improve_result result;
    const improve_data data = improve_data_collect(v, m.tok, o);
    result.skipped = data.skipped;
    result.n_train = int64_t(data.train.size());
    result.n_held_back = int64_t(data.held_back.size());
    if (data.train.empty() || data.held_back.empty())
        fail("improve", std::to_string(data.train.size() + data.held_back.size()) + " approved notes qualify (" +
                            std::to_string(data.train.size()) + " to train on, " + std::to_string(data.held_back.size()) +
                            " held back to compare): at least one of each is needed — approve more notes" +
                            (data.skipped.empty() ? std::string()
                                                  : " (" + std::to_string(data.skipped.size()) +
                                                        " approved notes not used; the first, " + data.skipped[0] + ")"));

    // Where this version starts: the current one, else the starting adapter, else fresh.
    const std::optional<int64_t> parent = vault_adapter_version_current(v);
    const std::optional<lora_adapter> current = improve_current_adapter(v, m, o.base_name);
    const lora_adapter* in_use = current ? &*current : o.start;
    result.current_name = current ? "version " + std::to_string(*parent)
                                  : (o.start ? o.start_name : std::string("base model"));
    vault_audit_record(v, "adapter.train", parent ? "adapter_version:" + std::to_string(*parent) : "adapter_version:none");

    train_dataset dataset;
    for (const improve_example& e : data.train) dataset.train.examples.push_back(e.tokens);
    lora_adapter candidate;
    {
        private_folder work;
        trainer_options t;
        t.out_dir = work.path + "/run";
        t.max_steps = o.steps;
        t.lr = o.lr;
        t.eval_every = 0;
        t.batching.batch_size = o.batch;
        t.batching.max_seq = o.max_seq;
        t.batching.seed = t.seed = o.seed;
        t.base_bf16 = o.base_bf16;
        t.progress = o.progress;
        t.stop = o.stop;
        t.init = in_use;
        t.on_step = [&o](int64_t step, int64_t total, double) { report(o, "training", step, total); };
        const trainer_result r = trainer_run(m, dataset, in_use ? in_use->config : o.lora, t);
        if (r.interrupted) fail("improve", "cancelled; nothing was stored");
        candidate = lora_adapter_load(t.out_dir + "/last", m);
    }

    vault_audit_record(v, "adapter.evaluate", parent ? "adapter_version:" + std::to_string(*parent) : "adapter_version:none");
    const int64_t n = result.n_held_back;
    result.current = improve_score(m, in_use, data.held_back, o, lexicons,
                                   [&o, n](int64_t i) { report(o, "current", i, n); });
    result.candidate = improve_score(m, &candidate, data.held_back, o, lexicons,
                                     [&o, n](int64_t i) { report(o, "candidate", i, n); });

    const improve_scores &a = result.current, &b = result.candidate;
    result.rouge1_delta = bootstrap_paired_delta(a.rouge1_each, b.rouge1_each);
    result.unsupported_delta = bootstrap_paired_delta(a.unsupported_each, b.unsupported_each);
    result.promoted = b.rouge1 > a.rouge1 && b.loop_rate <= a.loop_rate && b.unsupported_per_note <= a.unsupported_per_note;
    char why[256];
    if (result.promoted)
        std::snprintf(why, sizeof why, "ROUGE-1 %.3f over %.3f, no more loops or unsupported facts", b.rouge1, a.rouge1);
    else if (b.rouge1 <= a.rouge1)
        std::snprintf(why, sizeof why, "ROUGE-1 %.3f is not above %.3f", b.rouge1, a.rouge1);
    else if (b.loop_rate > a.loop_rate)
        std::snprintf(why, sizeof why, "more notes loop (%.0f%% against %.0f%%)", 100 * b.loop_rate, 100 * a.loop_rate);
    else
        std::snprintf(why, sizeof why, "more unsupported facts per note (%.2f against %.2f)", b.unsupported_per_note,
                      a.unsupported_per_note);
    result.reason = why;

    adapter_version_record rec;
    rec.base = o.base_name;
    rec.parent = parent;
    rec.decision = result.promoted ? "promoted" : "refused";
    rec.weights = lora_adapter_to_bytes(candidate);
    rec.scores = nlohmann::json{{"current_name", result.current_name},
                                {"current", improve_scores_json(a)},
                                {"candidate", improve_scores_json(b)},
                                {"rouge1_delta", delta_json(result.rouge1_delta)},
                                {"unsupported_delta", delta_json(result.unsupported_delta)},
                                {"reason", result.reason},
                                {"n_train", result.n_train},
                                {"n_held_back", result.n_held_back},
                                {"hold_back", o.hold_back},
                                {"steps", o.steps},
                                {"lr", o.lr},
                                {"template", o.template_name},
                                {"since", o.since}}
                     .dump();
    result.version = vault_adapter_version_add(v, std::move(rec));
    result.version.weights.clear();
    return result;
}

}  // namespace clinote
