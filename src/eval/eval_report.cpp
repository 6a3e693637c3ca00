#include "eval/eval_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/plot.h"
#include "eval/bootstrap.h"

namespace clinote {

const std::vector<eval_metric_info>& eval_metric_catalog() {
    static const std::vector<eval_metric_info> catalog = {
        {"rouge1", "ROUGE-1 F1", metric_direction::higher_better},
        {"rouge2", "ROUGE-2 F1", metric_direction::higher_better},
        {"rougeL", "ROUGE-L F1", metric_direction::higher_better},
        {"rougeLsum", "ROUGE-Lsum F1", metric_direction::higher_better},
        {"bertscore_precision", "BERTScore-style P", metric_direction::higher_better},
        {"bertscore_recall", "BERTScore-style R", metric_direction::higher_better},
        {"bertscore_f1", "BERTScore-style F1", metric_direction::higher_better},
        {"embedding_cosine", "Sentence cosine", metric_direction::higher_better},
        {"unsupported_facts", "Unsupported facts / note", metric_direction::lower_better},
        {"omitted_facts", "Omitted facts / note", metric_direction::lower_better},
        {"loop", "Loops (rate: a 4-word run 3+ times)", metric_direction::lower_better},
        {"template_echo", "Echoes the instructions (rate)", metric_direction::lower_better},
        {"json_parsed", "JSON parses (rate)", metric_direction::higher_better},
        {"json_schema_valid", "Schema conforms (rate)", metric_direction::higher_better},
        {"json_field_precision", "JSON field precision", metric_direction::higher_better},
        {"json_field_recall", "JSON field recall", metric_direction::higher_better},
        {"json_field_f1", "JSON field F1", metric_direction::higher_better},
        {"judge_total", "Judge weighted total (1-5)", metric_direction::higher_better},
        {"judge_failed", "Judge failures (rate)", metric_direction::lower_better},
        {"generated_tokens", "Generated tokens", metric_direction::descriptive},
        {"seconds", "Seconds per note", metric_direction::descriptive},
    };
    return catalog;
}

namespace {

std::vector<double> metric_values(const eval_system& s, const std::string& key) {
    std::vector<double> v;
    for (const eval_example& e : s.examples) {
        auto it = e.metrics.find(key);
        if (it != e.metrics.end() && std::isfinite(it->second)) v.push_back(it->second);
    }
    return v;
}

nlohmann::json ci_json(const mean_ci& c) { return {{"mean", c.mean}, {"lo", c.lo}, {"hi", c.hi}, {"n", c.n}}; }

std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, std::abs(v) >= 100 ? "%.1f" : "%.4f", v);
    return buf;
}

std::string ci_text(const nlohmann::json& c) {
    return fmt(c["mean"].get<double>()) + " [" + fmt(c["lo"].get<double>()) + ", " + fmt(c["hi"].get<double>()) + "]";
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    if (!(f << text)) fail(path, "cannot write");
}

struct plot_file {
    std::string name, title;
};

// Histograms of the headline metrics per system, and the loss curve of a training run.
std::vector<plot_file> write_plots(const eval_report_input& in, const std::string& dir) {
    std::vector<plot_file> plots;
    std::filesystem::create_directories(dir + "/plots");
    for (const char* key : {"rougeL", "bertscore_f1", "unsupported_facts", "judge_total"}) {
        std::vector<histogram_series> series;
        for (const eval_system& s : in.systems) {
            std::vector<double> v = metric_values(s, key);
            if (!v.empty()) series.push_back({s.name, std::move(v)});
        }
        if (series.empty()) continue;
        std::string label;
        for (const auto& m : eval_metric_catalog())
            if (m.key == key) label = m.label;
        const std::string name = std::string("plots/") + key + ".png";
        plot_histogram_png(dir + "/" + name, label + " per note", label, series, 12);
        plots.push_back({name, label + " per note"});
    }
    if (!in.train_run_dir.empty()) {
        const std::string log_path = in.train_run_dir + "/log.jsonl";
        plot_series train{"train loss", {}, {}}, valid{"validation loss", {}, {}};
        std::istringstream lines(file_read_text(log_path));
        std::string line;
        size_t n = 0;
        while (std::getline(lines, line)) {
            n++;
            if (line.empty()) continue;
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line);
            } catch (const nlohmann::json::exception&) {
                fail(log_path + ":" + std::to_string(n), "not valid JSON");
            }
            if (!j.contains("step")) continue;
            if (j.contains("loss")) { train.x.push_back(j["step"].get<double>()); train.y.push_back(j["loss"].get<double>()); }
            if (j.contains("val_loss")) { valid.x.push_back(j["step"].get<double>()); valid.y.push_back(j["val_loss"].get<double>()); }
        }
        if (train.x.empty() && valid.x.empty()) fail(log_path, "no {\"step\", \"loss\"} or {\"step\", \"val_loss\"} lines");
        plot_lines_png(dir + "/plots/loss.png", "Training run: " + in.train_run_dir, "step", "loss", {train, valid});
        plots.push_back({"plots/loss.png", "Training and validation loss"});
    }
    return plots;
}

}  // namespace

nlohmann::json eval_summary(const eval_report_input& in) {
    nlohmann::json out = {{"settings", in.settings}, {"systems", nlohmann::json::object()}};
    for (const eval_system& s : in.systems) {
        nlohmann::json m = nlohmann::json::object();
        for (const auto& info : eval_metric_catalog()) {
            const std::vector<double> v = metric_values(s, info.key);
            if (!v.empty()) m[info.key] = ci_json(bootstrap_mean(v));
        }
        out["systems"][s.name] = {{"description", s.description}, {"examples", s.examples.size()}, {"metrics", m}};
    }
    if (in.systems.size() == 2) {
        const eval_system &a = in.systems[0], &b = in.systems[1];
        if (a.examples.size() != b.examples.size()) fail("eval report", "the two systems were scored on different examples");
        nlohmann::json deltas = nlohmann::json::object();
        for (const auto& info : eval_metric_catalog()) {
            std::vector<double> va, vb;  // pairs where both systems have the metric
            for (size_t i = 0; i < a.examples.size(); i++) {
                auto ia = a.examples[i].metrics.find(info.key), ib = b.examples[i].metrics.find(info.key);
                if (ia == a.examples[i].metrics.end() || ib == b.examples[i].metrics.end()) continue;
                va.push_back(ia->second);
                vb.push_back(ib->second);
            }
            if (!va.empty()) deltas[info.key] = ci_json(bootstrap_paired_delta(va, vb));
        }
        out["deltas"] = deltas;
    }
    return out;
}

std::string base64_encode(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += alphabet[(v >> s) & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

void eval_report_write(const eval_report_input& in, const std::string& dir) {
    std::filesystem::create_directories(dir);
    {
        std::ofstream f(dir + "/examples.jsonl", std::ios::binary);
        for (const eval_system& s : in.systems)
            for (const eval_example& e : s.examples) {
                nlohmann::json j = {{"system", s.name}, {"id", e.id}, {"metrics", e.metrics},
                                    {"generated", e.generated}, {"reference", e.reference}, {"details", e.details}};
                f << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
            }
        if (!f) fail(dir + "/examples.jsonl", "cannot write");
    }
    const nlohmann::json summary = eval_summary(in);
    write_text(dir + "/summary.json", summary.dump(2) + "\n");
    const std::vector<plot_file> plots = write_plots(in, dir);

    // One table: a row per metric, a column per system (mean [95% CI]) and the delta column.
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header = {"Metric"};
    for (const eval_system& s : in.systems) header.push_back(s.name);
    if (in.systems.size() == 2) header.push_back(in.systems[1].name + " - " + in.systems[0].name);
    for (const auto& info : eval_metric_catalog()) {
        const char* direction = info.direction == metric_direction::higher_better  ? " (higher better)"
                                : info.direction == metric_direction::lower_better ? " (lower better)"
                                                                                   : "";
        std::vector<std::string> row = {info.label + direction};
        bool any = false;
        for (const eval_system& s : in.systems) {
            const auto& m = summary["systems"][s.name]["metrics"];
            if (m.contains(info.key)) { row.push_back(ci_text(m[info.key])); any = true; }
            else row.push_back("-");
        }
        if (in.systems.size() == 2) row.push_back(summary["deltas"].contains(info.key) ? ci_text(summary["deltas"][info.key]) : "-");
        if (any) rows.push_back(row);
    }

    std::ostringstream md;
    md << "# clinote evaluation report\n\n";
    md << "Mean over notes with a 95% percentile-bootstrap confidence interval (2000 resamples"
       << (in.systems.size() == 2 ? "; the delta resamples paired notes" : "") << ").\n\n";
    md << "## Settings\n\n";
    for (const auto& [k, v] : in.settings.items()) md << "- " << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    for (const eval_system& s : in.systems) md << "- system `" << s.name << "`: " << s.description << " (" << s.examples.size() << " notes)\n";
    md << "\n## Results\n\n|";
    for (const auto& h : header) md << " " << h << " |";
    md << "\n|";
    for (size_t i = 0; i < header.size(); i++) md << (i ? " ---: |" : " --- |");
    md << "\n";
    for (const auto& row : rows) {
        md << "|";
        for (const auto& c : row) md << " " << c << " |";
        md << "\n";
    }
    md << "\n## Plots\n\n";
    for (const plot_file& p : plots) md << "![" << p.title << "](" << p.name << ")\n\n";
    write_text(dir + "/report.md", md.str());

    std::ostringstream html;
    html << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>clinote evaluation report</title>\n"
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
            "pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}</style></head><body>\n"
            "<h1>clinote evaluation report</h1>\n<p>Mean over notes with a 95% percentile-bootstrap confidence interval."
            "</p>\n<h2>Settings</h2><ul>\n";
    for (const auto& [k, v] : in.settings.items())
        html << "<li>" << html_escape(k) << ": " << html_escape(v.is_string() ? v.get<std::string>() : v.dump()) << "</li>\n";
    for (const eval_system& s : in.systems)
        html << "<li>system <b>" << html_escape(s.name) << "</b>: " << html_escape(s.description) << " (" << s.examples.size() << " notes)</li>\n";
    html << "</ul>\n<h2>Results</h2>\n<table><tr>";
    for (const auto& h : header) html << "<th>" << html_escape(h) << "</th>";
    html << "</tr>\n";
    for (const auto& row : rows) {
        html << "<tr>";
        for (const auto& c : row) html << "<td>" << html_escape(c) << "</td>";
        html << "</tr>\n";
    }
    html << "</table>\n<h2>Plots</h2>\n";
    for (const plot_file& p : plots)
        html << "<figure><img alt=\"" << html_escape(p.title) << "\" src=\"data:image/png;base64,"
             << base64_encode(file_read(dir + "/" + p.name)) << "\"><figcaption>" << html_escape(p.title)
             << "</figcaption></figure>\n";
    html << "<h2>Examples</h2>\n";
    for (size_t i = 0; !in.systems.empty() && i < in.systems[0].examples.size(); i++) {
        html << "<h3>" << html_escape(in.systems[0].examples[i].id) << "</h3>\n<p><b>reference</b></p><pre>"
             << html_escape(in.systems[0].examples[i].reference) << "</pre>\n";
        for (const eval_system& s : in.systems)
            if (i < s.examples.size())
                html << "<p><b>" << html_escape(s.name) << "</b></p><pre>" << html_escape(s.examples[i].generated) << "</pre>\n";
    }
    html << "</body></html>\n";
    write_text(dir + "/report.html", html.str());
}

}  // namespace clinote
