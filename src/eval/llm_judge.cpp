#include "eval/llm_judge.h"

#include <httplib.h>

#include "core/error.h"

namespace clinote {

const std::vector<judge_dimension>& judge_rubric() {
    static const std::vector<judge_dimension> rubric = {
        {"accuracy", "Every statement agrees with the transcript.", 1},
        {"completeness", "All clinically relevant information of the visit is in the note.", 2},
        {"hallucination", "Nothing is invented (5 = no statement lacks support in the transcript).", 2},
        {"organization", "Information is in the right sections, in a logical order.", 1},
        {"clarity", "Easy for a clinician to read; standard terminology.", 1},
        {"conciseness", "No repetition, filler or irrelevant conversation.", 1},
        {"clinical_usefulness", "A clinician could act on this note.", 1},
        {"safety", "No error that could harm the patient (wrong drug, dose, side, negation).", 1},
    };
    return rubric;
}

nlohmann::json judge_messages(const std::string& transcript, const std::string& reference, const std::string& note) {
    std::string system =
        "You are an expert clinician grading a clinical note written from a doctor-patient conversation. "
        "Score each dimension from 1 (very poor) to 5 (excellent):\n";
    for (const judge_dimension& d : judge_rubric()) system += "- " + d.key + ": " + d.question + "\n";
    system += "Answer with one JSON object and nothing else, e.g. {";
    for (size_t i = 0; i < judge_rubric().size(); i++) system += (i ? ", \"" : "\"") + judge_rubric()[i].key + "\": 3";
    system += "}.";
    std::string user = "Transcript:\n" + transcript + "\n\n";
    if (!reference.empty()) user += "Reference note written by a clinician (for comparison):\n" + reference + "\n\n";
    user += "Note to grade:\n" + note + "\n";
    return nlohmann::json::array({{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}});
}

bool judge_parse_answer(const std::string& content, std::map<std::string, int>& scores, std::string& why) {
    scores.clear();
    const size_t begin = content.find('{');
    const size_t end = content.rfind('}');
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
        why = "no JSON object in the answer";
        return false;
    }
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(content.substr(begin, end - begin + 1));
    } catch (const nlohmann::json::exception&) {
        why = "the answer's {...} is not valid JSON";
        return false;
    }
    for (const judge_dimension& d : judge_rubric()) {
        if (!j.is_object() || !j.contains(d.key)) { why = "missing score " + d.key; return false; }
        const auto& v = j[d.key];
        if (!v.is_number_integer() && !(v.is_number_float() && v.get<double>() == double(int(v.get<double>())))) {
            why = d.key + " is not an integer";
            return false;
        }
        const int s = int(v.get<double>());
        if (s < 1 || s > 5) { why = d.key + " = " + std::to_string(s) + " is outside 1-5"; return false; }
        scores[d.key] = s;
    }
    return true;
}

double judge_weighted_total(const std::map<std::string, int>& scores) {
    double total = 0, weight = 0;
    for (const judge_dimension& d : judge_rubric()) {
        total += d.weight * scores.at(d.key);
        weight += d.weight;
    }
    return total / weight;
}

namespace {

// "http://host:port/v1" -> client "http://host:port" and path prefix "/v1".
void url_split(const std::string& url, std::string& origin, std::string& prefix) {
    const size_t scheme = url.find("://");
    if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0))
        fail("--judge-url", "'" + url + "' is not an http:// or https:// URL");
    const size_t path = url.find('/', scheme + 3);
    origin = url.substr(0, path);
    prefix = path == std::string::npos ? "" : url.substr(path);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
}

}  // namespace

judge_result judge_note(const judge_client& client, const std::string& transcript, const std::string& reference,
                        const std::string& note) {
    std::string origin, prefix;
    url_split(client.base_url, origin, prefix);
    httplib::Client http(origin);
    http.set_read_timeout(client.timeout_s, 0);
    http.set_write_timeout(client.timeout_s, 0);
    httplib::Headers headers;
    if (!client.api_key.empty()) headers.emplace("Authorization", "Bearer " + client.api_key);
    const nlohmann::json body = {{"model", client.model},
                                 {"messages", judge_messages(transcript, reference, note)},
                                 {"temperature", 0}};
    judge_result r;
    for (int attempt = 0; attempt <= client.retries; attempt++) {
        r.attempts++;
        auto res = http.Post(prefix + "/chat/completions", headers, body.dump(), "application/json");
        if (!res) {
            r.error = "request failed: " + httplib::to_string(res.error());
            continue;
        }
        if (res->status != 200) {
            r.raw_answers.push_back(res->body);
            r.error = "HTTP " + std::to_string(res->status);
            continue;
        }
        std::string content;
        try {
            content = nlohmann::json::parse(res->body).at("choices").at(0).at("message").at("content").get<std::string>();
        } catch (const nlohmann::json::exception&) {
            r.raw_answers.push_back(res->body);
            r.error = "response is not an OpenAI chat completion";
            continue;
        }
        r.raw_answers.push_back(content);
        if (judge_parse_answer(content, r.scores, r.error)) {
            r.ok = true;
            r.error.clear();
            r.weighted_total = judge_weighted_total(r.scores);
            return r;
        }
    }
    r.scores.clear();
    return r;
}

nlohmann::json judge_result_json(const judge_result& r) {
    nlohmann::json j = {{"ok", r.ok}, {"attempts", r.attempts}, {"raw_answers", r.raw_answers}};
    if (r.ok) {
        j["scores"] = r.scores;
        j["weighted_total"] = r.weighted_total;
    } else {
        j["error"] = r.error;
    }
    return j;
}

}  // namespace clinote
