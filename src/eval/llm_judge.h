// LLM-as-judge: an eight-dimension rubric (1-5 each; hallucination and completeness weigh
// double in the total) asked of any OpenAI-compatible chat endpoint (clinote serve, vLLM,
// llama.cpp's server, OpenAI). Every raw answer is kept; an answer that is not the asked-for
// JSON is retried, and after the retries the note counts as a judge failure, never as a score.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct judge_dimension {
    std::string key, question;
    double weight;
};
const std::vector<judge_dimension>& judge_rubric();

struct judge_client {
    std::string base_url;  // "http://host:port/v1" (or https); /chat/completions is appended
    std::string model;
    std::string api_key;   // sent as "Authorization: Bearer" when not empty
    int retries = 2;       // extra attempts after an unusable answer or a failed request
    int timeout_s = 300;
};

struct judge_result {
    bool ok = false;
    std::map<std::string, int> scores;  // rubric key -> 1..5
    double weighted_total = 0;          // weighted mean of the scores, 1..5
    std::vector<std::string> raw_answers;
    int attempts = 0;
    std::string error;  // why the last attempt failed (when !ok)
};

// The chat messages sent to the judge (the rubric, the transcript, the reference when given,
// the note) asking for one JSON object {key: integer 1-5, ...}.
nlohmann::json judge_messages(const std::string& transcript, const std::string& reference, const std::string& note);
// The scores in a judge's answer: the first {...} object in it, every rubric key an integer
// 1..5. Returns false with `why` set otherwise.
bool judge_parse_answer(const std::string& content, std::map<std::string, int>& scores, std::string& why);
double judge_weighted_total(const std::map<std::string, int>& scores);

judge_result judge_note(const judge_client& client, const std::string& transcript, const std::string& reference,
                        const std::string& note);
nlohmann::json judge_result_json(const judge_result& r);

}  // namespace clinote
