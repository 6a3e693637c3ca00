// clinote rouge: ROUGE-1/2/L/Lsum of hypothesis notes against reference notes, scored
// exactly like Google's rouge-score package (Porter stemming on by default, as papers use it).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "eval/jsonl_texts.h"
#include "eval/rouge.h"

namespace clinote {

namespace {

struct rouge_options {
    std::string reference_path, hypothesis_path;
    std::string field = "text";
    bool summary = false;
    bool no_stemmer = false;
};

nlohmann::json scores_json(const rouge_scores& s) {
    auto prf = [](const rouge_prf& p) {
        return nlohmann::json{{"precision", p.precision}, {"recall", p.recall}, {"fmeasure", p.fmeasure}};
    };
    return {{"rouge1", prf(s.rouge1)}, {"rouge2", prf(s.rouge2)}, {"rougeL", prf(s.rougeL)}, {"rougeLsum", prf(s.rougeLsum)}};
}

void run_rouge(const rouge_options& opt) {
    const std::vector<jsonl_text> refs = jsonl_texts_read(opt.reference_path, opt.field);
    const std::vector<jsonl_text> hyps = jsonl_texts_read(opt.hypothesis_path, opt.field);
    if (refs.size() != hyps.size())
        fail(opt.hypothesis_path, std::to_string(hyps.size()) + " records, but " + opt.reference_path + " has " +
                                      std::to_string(refs.size()) + " (pairs are matched line by line)");
    std::vector<rouge_scores> all;
    all.reserve(refs.size());
    for (size_t i = 0; i < refs.size(); i++) {
        try {
            all.push_back(rouge_score(refs[i].text, hyps[i].text, !opt.no_stemmer));
        } catch (const error& e) {
            fail(opt.hypothesis_path + ":" + std::to_string(hyps[i].line), std::string("against ") + opt.reference_path +
                                                                          ":" + std::to_string(refs[i].line) + ": " + e.what());
        }
        if (opt.summary) continue;
        nlohmann::json j = scores_json(all.back());
        j["pair"] = i + 1;
        std::printf("%s\n", j.dump().c_str());
    }
    if (opt.summary) {
        nlohmann::json j = scores_json(rouge_mean(all));
        j["pairs"] = all.size();
        std::printf("%s\n", j.dump().c_str());
    }
}

}  // namespace

void add_rouge_command(CLI::App& app) {
    auto opt = std::make_shared<rouge_options>();
    CLI::App* cmd = app.add_subcommand(
        "rouge",
        "Score hypothesis notes against reference notes with ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum, "
        "identical to Google's rouge-score package (rougeLsum splits on newlines). Both files are JSONL, "
        "one {\"text\": ...} object per line, paired line by line; prints one JSON object per pair "
        "with precision, recall and fmeasure of each score");
    cmd->add_option("reference", opt->reference_path, "Reference notes (JSONL)")->required();
    cmd->add_option("hypothesis", opt->hypothesis_path, "Generated notes to score (JSONL, same number of records)")
        ->required();
    cmd->add_flag("--summary", opt->summary,
                  "Print only one line: the mean of every score over all pairs, with the pair count");
    cmd->add_flag("--no-stemmer", opt->no_stemmer,
                  "Compare words without Porter stemming (rouge-score use_stemmer=False); stemming is on by default");
    cmd->add_option("--field", opt->field, "JSON field holding the text in both files")->capture_default_str();
    cmd->callback([opt] { run_rouge(*opt); });
}

}  // namespace clinote
