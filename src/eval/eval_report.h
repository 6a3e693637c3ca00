// The evaluation report: per-example JSONL, a summary JSON, and Markdown + self-contained HTML
// (PNG plots embedded as base64) showing one or two systems (base and adapter) side by side
// with bootstrap confidence intervals and paired deltas.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

// One test encounter scored for one system.
struct eval_example {
    std::string id;
    std::string reference, generated;
    std::map<std::string, double> metrics;  // keys from eval_metric_catalog(); absent = not measured
    nlohmann::json details = nlohmann::json::object();  // factual spans, judge answers, timings, ...
};

struct eval_system {
    std::string name;         // "base", "adapter"
    std::string description;  // model file and adapter
    std::vector<eval_example> examples;
};

// Which way a delta is good; lengths and times only describe the runs (a shorter note is
// not a better one, and seconds from runs under different load do not compare).
enum class metric_direction { higher_better, lower_better, descriptive };

struct eval_metric_info {
    std::string key, label;
    metric_direction direction;
};
// Every metric a report may hold, in display order.
const std::vector<eval_metric_info>& eval_metric_catalog();

struct eval_report_input {
    std::vector<eval_system> systems;  // one, or two with the same examples in the same order
    nlohmann::json settings = nlohmann::json::object();  // data path, template, encoder, limits: printed as given
    std::string train_run_dir;         // optional: plot <dir>/log.jsonl (loss, val_loss against step)
};

// {"systems": {name: {metric: {mean, lo, hi, n}}}, "deltas": {metric: {mean, lo, hi, n}}, "settings": ...}
nlohmann::json eval_summary(const eval_report_input& in);

// Writes <dir>/examples.jsonl, summary.json, report.md, report.html and <dir>/plots/*.png.
void eval_report_write(const eval_report_input& in, const std::string& dir);

// Standard base64 (RFC 4648, with padding), for images inlined in the HTML report.
std::string base64_encode(const std::string& bytes);

}  // namespace clinote
