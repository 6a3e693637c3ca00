// Constrained decoding: random walks over real and synthetic vocabularies must always give
// JSON that nlohmann parses and the reference `jsonschema` package validates; the trie mask
// must agree with matching every token one by one; bad bytes are refused where they occur.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <random>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "generate/grammar.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

using namespace clinote;

namespace {

nlohmann::ordered_json summary_schema() {
    std::ifstream f(source_dir() + "/schemas/clinical_summary.schema.json");
    return nlohmann::ordered_json::parse(f);
}

// Offset of the first byte the grammar refuses, or npos if all are taken.
size_t first_refused(const json_grammar& g, std::string_view text) {
    grammar_state st = grammar_start(g);
    for (size_t i = 0; i < text.size(); i++)
        if (!grammar_advance(st, text.substr(i, 1))) return i;
    return std::string::npos;
}

bool accepts_complete(const json_grammar& g, std::string_view text) {
    grammar_state st = grammar_start(g);
    return grammar_advance(st, text) && grammar_is_complete(st);
}

// A vocabulary like a BPE model's: every single byte, JSON punctuation runs that span several
// elements, the schema's keys and enum values, words, numbers, whole and partial UTF-8
// characters, escapes. The last two ids are an end-of-generation token and a special token
// (empty bytes: never allowed).
struct vocab {
    std::vector<std::string> bytes;
    std::vector<int32_t> eog;
};

vocab synthetic_vocab(const nlohmann::ordered_json& schema) {
    std::set<std::string> pieces;
    for (int b = 0; b < 256; b++) pieces.insert(std::string(1, char(b)));
    for (const char* p : {"{\"", "\"}", "\":", "\":\"", "\",\"", ",\"", "\":null", "\":null,\"", "null", "true",
                          "false", "[]", "[{\"", "\"}]", "},{\"", "\"},{\"", "},\"", "}]", "]}", "\\\"", "\\\\",
                          "\\n", "\\u00e9", "\\u", "\\ud8", "\\ud7ff", "0.", ".5", "-1", "-", "00", "1e5", " \"",
                          "\": ", ", \"", "é", "中", "😀", "\xc3", "\xa9", "\xe4\xb8", "\xf0\x9f", "\x98\x80",
                          "é\"", "\xed\xa0\x80", "\xc0\x80", "\":[", "\":[]", "\":{\"", "\"]", "\",", "\":1"})
        pieces.insert(p);
    // Keys and enum values of the schema, bare and quoted.
    std::function<void(const nlohmann::ordered_json&)> collect = [&](const nlohmann::ordered_json& s) {
        if (s.is_object()) {
            if (s.contains("properties"))
                for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
                    pieces.insert(it.key());
                    pieces.insert("\"" + it.key() + "\":");
                    pieces.insert(",\"" + it.key() + "\":");
                    collect(it.value());
                }
            if (s.contains("enum"))
                for (const auto& v : s["enum"]) pieces.insert(v.dump());
            if (s.contains("items")) collect(s["items"]);
        }
    };
    collect(schema);
    std::mt19937 rng(1234);
    for (int i = 0; i < 1000; i++) pieces.insert(std::to_string(i));
    for (int i = 0; i < 2000; i++) {
        std::string w = (rng() % 3 == 0) ? " " : "";
        const int len = 1 + int(rng() % 7);
        for (int k = 0; k < len; k++) w += char('a' + rng() % 26);
        pieces.insert(w);
    }
    vocab v;
    v.bytes.assign(pieces.begin(), pieces.end());
    std::shuffle(v.bytes.begin(), v.bytes.end(), rng);
    v.eog.push_back(int32_t(v.bytes.size()));
    v.bytes.push_back("<|eog|>");
    v.bytes.push_back("");  // a special token that must never be allowed
    return v;
}

bool python_jsonschema_available() {
    return std::system("python3 -c 'import jsonschema' >/dev/null 2>&1") == 0;
}

// Validates documents with the reference package; returns its exit status (0: all valid).
int python_validate(const std::string& schema_path, const std::vector<std::string>& docs, const std::string& tag) {
    const std::string file = (std::filesystem::temp_directory_path() / ("clinote_grammar_" + tag + "_" +
                                                                        std::to_string(::getpid()) + ".jsonl")).string();
    {
        std::ofstream out(file);
        for (const std::string& d : docs) out << d << "\n";
    }
    const std::string cmd = "python3 " + source_dir() + "/tools/validate_json_schema.py " + schema_path + " " + file;
    const int rc = std::system(cmd.c_str());
    std::remove(file.c_str());
    return rc;
}

struct walk_stats {
    std::vector<std::string> outputs;
    int completed_by_eog = 0, completed_by_limit = 0, masks_checked = 0;
};

// Generations where every step takes a uniformly random allowed token. Past max_tokens the
// shortest completion is appended, as a caller would when out of tokens. Every `check_every`
// steps the trie mask is compared with matching each token on its own.
walk_stats random_walks(const json_grammar& g, const vocab& v, int n, int max_tokens, int check_every, uint32_t seed) {
    const token_trie trie = token_trie_build(v.bytes, v.eog);
    std::mt19937 rng(seed);
    std::vector<uint8_t> allowed;
    walk_stats stats;
    for (int gen = 0; gen < n; gen++) {
        grammar_state st = grammar_start(g);
        std::string text;
        bool ended = false;
        for (int step = 0; step < max_tokens && !ended; step++) {
            grammar_token_mask(st, trie, allowed);
            if (check_every > 0 && step % check_every == 0) {
                const bool complete = grammar_is_complete(st);
                for (size_t id = 0; id < v.bytes.size(); id++) {
                    bool expect;
                    if (std::find(v.eog.begin(), v.eog.end(), int32_t(id)) != v.eog.end()) expect = complete;
                    else if (v.bytes[id].empty()) expect = false;
                    else {
                        grammar_state copy = st;
                        expect = grammar_advance(copy, v.bytes[id]);
                    }
                    EXPECT_EQ(allowed[id], expect ? 1 : 0) << "token " << id << " '" << v.bytes[id] << "' after '" << text << "'";
                    if (allowed[id] != (expect ? 1 : 0)) return stats;
                }
                stats.masks_checked++;
            }
            std::vector<int32_t> ids;
            for (size_t id = 0; id < allowed.size(); id++)
                if (allowed[id]) ids.push_back(int32_t(id));
            EXPECT_FALSE(ids.empty()) << "dead end after '" << text << "'";
            if (ids.empty()) return stats;
            const int32_t pick = ids[rng() % ids.size()];
            if (std::find(v.eog.begin(), v.eog.end(), pick) != v.eog.end()) {
                ended = true;
                stats.completed_by_eog++;
                break;
            }
            EXPECT_TRUE(grammar_advance(st, v.bytes[size_t(pick)]));
            text += v.bytes[size_t(pick)];
        }
        if (!ended) {
            const std::string rest = grammar_shortest_completion(st);
            EXPECT_TRUE(grammar_advance(st, rest)) << text << " + " << rest;
            text += rest;
            stats.completed_by_limit++;
        }
        EXPECT_TRUE(grammar_is_complete(st)) << text;
        EXPECT_TRUE(accepts_complete(g, text)) << text;
        stats.outputs.push_back(text);
    }
    return stats;
}

void expect_all_parse(const std::vector<std::string>& outputs) {
    for (const std::string& s : outputs) {
        EXPECT_TRUE(nlohmann::json::accept(s)) << s;
    }
}

}  // namespace

TEST(Grammar, SummaryShortestValueIsCompleteAndValid) {
    const json_grammar g = json_grammar_compile(summary_schema());
    const std::string s = grammar_shortest_completion(grammar_start(g));
    EXPECT_EQ(s, "{\"patient\":{\"age\":null,\"sex\":null},\"encounter\":{\"date\":null,\"type\":null,\"reason\":null},"
                 "\"problems\":[],\"medications\":[],\"allergies\":[],\"vitals\":[],\"labs\":[],\"assessment\":null,"
                 "\"plan\":[],\"follow_up\":null}");
    EXPECT_TRUE(accepts_complete(g, s));
}

TEST(Grammar, RandomWalkSyntheticVocabAlwaysValid) {
    const nlohmann::ordered_json schema = summary_schema();
    const json_grammar g = json_grammar_compile(schema);
    const vocab v = synthetic_vocab(schema);
    const walk_stats stats = random_walks(g, v, 200, 250, 40, 42);
    ASSERT_EQ(stats.outputs.size(), 200u);
    EXPECT_GT(stats.masks_checked, 400);
    expect_all_parse(stats.outputs);
    if (!python_jsonschema_available()) {
        std::printf("note: python3 jsonschema not installed; outputs checked by parsing and re-matching only\n");
        return;
    }
    EXPECT_EQ(python_validate(source_dir() + "/schemas/clinical_summary.schema.json", stats.outputs, "synthetic"), 0);
}

TEST(Grammar, RandomWalkSmallSchemasEndByThemselves) {
    // Small schemas where uniform walks finish on their own (end token chosen), covering
    // bounded numbers, nested arrays, const and optional properties.
    const nlohmann::ordered_json schema = nlohmann::ordered_json::parse(R"({
      "type": "object",
      "properties": {
        "n": {"type": "integer", "minimum": -20, "maximum": 300},
        "x": {"type": ["number", "null"], "minimum": 0.5, "maximum": 36.6},
        "tag": {"const": "v1"},
        "opt": {"type": "boolean"},
        "grid": {"type": "array", "minItems": 1, "maxItems": 3,
                 "items": {"type": "array", "maxItems": 2, "items": {"enum": [1, 12, "a", null, true]}}},
        "s": {"type": "string", "minLength": 2, "maxLength": 4}
      },
      "required": ["n", "x", "grid"]
    })");
    const json_grammar g = json_grammar_compile(schema);
    const vocab v = synthetic_vocab(schema);
    const walk_stats stats = random_walks(g, v, 200, 400, 7, 7);
    ASSERT_EQ(stats.outputs.size(), 200u);
    EXPECT_GT(stats.completed_by_eog, 0);
    expect_all_parse(stats.outputs);
    for (const std::string& s : stats.outputs) {
        const nlohmann::json j = nlohmann::json::parse(s);
        EXPECT_GE(j["n"].get<int64_t>(), -20);
        EXPECT_LE(j["n"].get<int64_t>(), 300);
        if (!j["x"].is_null()) {
            EXPECT_GE(j["x"].get<double>(), 0.5);
            EXPECT_LE(j["x"].get<double>(), 36.6);
        }
    }
    if (!python_jsonschema_available()) return;
    const std::string schema_file = (std::filesystem::temp_directory_path() / ("clinote_small_schema_" + std::to_string(::getpid()) + ".json")).string();
    std::ofstream(schema_file) << schema.dump();
    EXPECT_EQ(python_validate(schema_file, stats.outputs, "small"), 0);
    std::remove(schema_file.c_str());
}

TEST(GrammarDefaultModel, RandomWalkRealVocabAlwaysValid) {
    const std::string path = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "default model absent: " << path;
    const tokenizer tok = tokenizer_from_gguf(gguf_open(path));
    vocab v;
    std::set<int32_t> special;
    for (const added_token& a : tok.added)
        if (a.special) special.insert(a.id);
    for (int32_t id = 0; id < tok.n_vocab(); id++)
        v.bytes.push_back(special.count(id) && !tok.is_eog(id) ? std::string() : tokenizer_token_bytes(tok, id));
    v.eog = tok.eog_ids;
    const nlohmann::ordered_json schema = summary_schema();
    const json_grammar g = json_grammar_compile(schema);
    const walk_stats stats = random_walks(g, v, 200, 60, 30, 99);
    ASSERT_EQ(stats.outputs.size(), 200u);
    expect_all_parse(stats.outputs);
    if (!python_jsonschema_available()) return;
    EXPECT_EQ(python_validate(source_dir() + "/schemas/clinical_summary.schema.json", stats.outputs, "real"), 0);
}

TEST(Grammar, RefusesBadBytesWhereTheyOccur) {
    const json_grammar g = json_grammar_compile(summary_schema());
    const std::string head = "{\"patient\":{\"age\":";
    EXPECT_EQ(first_refused(g, "{ \"patient\""), 1u) << "whitespace is not written";
    EXPECT_EQ(first_refused(g, "{\"encounter\":"), 2u) << "keys come in schema order";
    EXPECT_EQ(first_refused(g, head + "131"), head.size() + 2) << "age maximum 130";
    EXPECT_EQ(first_refused(g, head + "130,"), std::string::npos);
    EXPECT_EQ(first_refused(g, head + "-1"), head.size()) << "age minimum 0";
    EXPECT_EQ(first_refused(g, head + "07"), head.size() + 1) << "no leading zeros";
    EXPECT_EQ(first_refused(g, head + "1.5"), head.size() + 1) << "age is an integer";
    EXPECT_EQ(first_refused(g, head + "nul,"), head.size() + 3);
    const std::string sex = head + "null,\"sex\":";
    EXPECT_EQ(first_refused(g, sex + "\"femalx"), sex.size() + 6);
    EXPECT_EQ(first_refused(g, sex + "\"Female\""), sex.size() + 1);
    const std::string date = sex + "null},\"encounter\":{\"date\":\"";
    EXPECT_EQ(first_refused(g, date + "2024-01-02\""), std::string::npos);
    EXPECT_EQ(first_refused(g, date + "20\""), date.size() + 2) << "minLength 4";
    EXPECT_EQ(first_refused(g, date + std::string(26, '1')), date.size() + 25) << "maxLength 25";
    EXPECT_EQ(first_refused(g, date + "a\tb"), date.size() + 1) << "raw control character";
    EXPECT_EQ(first_refused(g, date + "\xc0\x80"), date.size()) << "overlong UTF-8";
    EXPECT_EQ(first_refused(g, date + "\xed\xa0\x80"), date.size() + 1) << "UTF-8 surrogate";
    EXPECT_EQ(first_refused(g, date + "\xf5"), date.size()) << "beyond U+10FFFF";
    EXPECT_EQ(first_refused(g, date + "\x80"), date.size()) << "lone continuation byte";
    EXPECT_EQ(first_refused(g, date + "\xc3\""), date.size() + 1) << "character cut by a quote";
    EXPECT_EQ(first_refused(g, date + "\\x"), date.size() + 1) << "unknown escape";
    EXPECT_EQ(first_refused(g, date + "\\ud800"), date.size() + 3) << "surrogate escape";
    EXPECT_EQ(first_refused(g, date + "é中😀\\u00e9\\n\""), std::string::npos) << "5 code points >= minLength 4";
    EXPECT_EQ(first_refused(g, date + "é\\n\""), date.size() + 4) << "2 code points < minLength 4";
    const std::string plan = "{\"patient\":{\"age\":null,\"sex\":null},\"encounter\":{\"date\":null,\"type\":null,"
                             "\"reason\":null},\"problems\":[],\"medications\":[],\"allergies\":[],\"vitals\":[],"
                             "\"labs\":[],\"assessment\":null,\"plan\":[";
    std::string items;
    for (int i = 0; i < 20; i++) {
        if (i) items += ',';
        items += '"';
        items += std::to_string(i);
        items += '"';
    }
    EXPECT_EQ(first_refused(g, plan + items + "]"), std::string::npos);
    EXPECT_EQ(first_refused(g, plan + items + ",\"x\""), plan.size() + items.size()) << "maxItems 20";
    EXPECT_EQ(first_refused(g, plan + "\"a\",]"), plan.size() + 4) << "trailing comma";
    EXPECT_EQ(first_refused(g, plan + "\"\"]"), plan.size() + 1) << "minLength 1";
    EXPECT_EQ(first_refused(g, plan + "]}"), plan.size() + 1) << "follow_up is required";
    const std::string full = plan + "],\"follow_up\":null}";
    EXPECT_TRUE(accepts_complete(g, full));
    EXPECT_FALSE(accepts_complete(g, full.substr(0, full.size() - 1)));
    EXPECT_EQ(first_refused(g, full + "x"), full.size()) << "nothing after the value";
    // A refused advance leaves the state as it was.
    grammar_state st = grammar_start(g);
    ASSERT_TRUE(grammar_advance(st, head));
    EXPECT_FALSE(grammar_advance(st, "12x"));
    EXPECT_TRUE(grammar_advance(st, "12,"));
}

TEST(Grammar, NumbersMatchTheirBoundsExactly) {
    const json_grammar gi = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"integer","minimum":-17,"maximum":230})"));
    for (int v = -400; v <= 400; v++)
        EXPECT_EQ(accepts_complete(gi, std::to_string(v)), v >= -17 && v <= 230) << v;
    const json_grammar gn = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"number","minimum":0.5,"maximum":36.6})"));
    // Every number with up to 2 integer digits and up to 3 decimals, against strtod.
    for (int ip = 0; ip < 100; ip++)
        for (int dec = 0; dec <= 3; dec++)
            for (int f = 0; f < (dec ? int(std::pow(10, dec)) : 1); f++) {
                std::string s = std::to_string(ip);
                if (dec) {
                    char frac[16];
                    std::snprintf(frac, sizeof frac, ".%0*d", dec, f);
                    s += frac;
                }
                const double x = std::strtod(s.c_str(), nullptr);
                ASSERT_EQ(accepts_complete(gn, s), x >= 0.5 && x <= 36.6) << s;
            }
    EXPECT_FALSE(accepts_complete(gn, "1e1")) << "no exponent";
    EXPECT_FALSE(accepts_complete(gn, "1.")) << "a decimal point needs digits";
    EXPECT_FALSE(accepts_complete(gn, "1.1234567")) << "at most 6 decimals";
    EXPECT_EQ(grammar_shortest_completion(grammar_start(gn)), "1");
    const json_grammar gf = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"number","minimum":0.25,"maximum":0.3})"));
    EXPECT_EQ(grammar_shortest_completion(grammar_start(gf)), "0.3");
    grammar_state st = grammar_start(gf);
    ASSERT_TRUE(grammar_advance(st, "0.2"));
    EXPECT_EQ(grammar_shortest_completion(st), "5");
    const json_grammar gneg = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"integer","minimum":-50,"maximum":-15})"));
    EXPECT_EQ(grammar_shortest_completion(grammar_start(gneg)), "-15");
    st = grammar_start(gneg);
    ASSERT_TRUE(grammar_advance(st, "-4"));
    EXPECT_EQ(grammar_shortest_completion(st), "0");
}

TEST(Grammar, EndTokenOnlyWhenComplete) {
    const json_grammar g = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"integer","minimum":1,"maximum":50})"));
    const token_trie trie = token_trie_build({"1", "2", "5", "0", "<end>", "12", "", "50"}, {4});
    std::vector<uint8_t> allowed;
    grammar_state st = grammar_start(g);
    grammar_token_mask(st, trie, allowed);
    EXPECT_EQ(allowed, (std::vector<uint8_t>{1, 1, 1, 0, 0, 1, 0, 1}));
    ASSERT_TRUE(grammar_advance(st, "5"));
    grammar_token_mask(st, trie, allowed);
    EXPECT_EQ(allowed, (std::vector<uint8_t>{0, 0, 0, 1, 1, 0, 0, 0})) << "5 is complete; 50 allowed, 51+ not";
    ASSERT_TRUE(grammar_advance(st, "0"));
    grammar_token_mask(st, trie, allowed);
    EXPECT_EQ(allowed, (std::vector<uint8_t>{0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Grammar, ShortestCompletionFromEveryPrefix) {
    // Every prefix of a full document can be completed, and the completion is accepted.
    const json_grammar g = json_grammar_compile(summary_schema());
    const std::string doc = R"({"patient":{"age":54,"sex":"female"},"encounter":{"date":"2024-03-05","type":"follow-up","reason":"chest pain \"on exertion\""},"problems":[{"text":"Hypertension","icd10":"I10","status":"active"}],"medications":[{"name":"lisinopril","dose":{"value":10.5,"unit":"mg"},"route":"oral","frequency":"daily","status":"active"}],"allergies":[{"substance":"penicillin","reaction":"rash","severity":"mild"}],"vitals":[{"name":"BP","value":"130/85","unit":"mmHg"},{"name":"HR","value":72,"unit":"/min"}],"labs":[],"assessment":"Stable. Température 37°C","plan":["continue lisinopril"],"follow_up":"3 months"})";
    ASSERT_TRUE(accepts_complete(g, doc));
    for (size_t i = 0; i <= doc.size(); i++) {
        grammar_state st = grammar_start(g);
        ASSERT_TRUE(grammar_advance(st, std::string_view(doc).substr(0, i)));
        const std::string rest = grammar_shortest_completion(st);
        ASSERT_TRUE(grammar_advance(st, rest)) << doc.substr(0, i) << " + " << rest;
        ASSERT_TRUE(grammar_is_complete(st)) << doc.substr(0, i) << " + " << rest;
        EXPECT_TRUE(nlohmann::json::accept(doc.substr(0, i) + rest)) << doc.substr(0, i) << " + " << rest;
    }
}

TEST(Grammar, SchemaErrorsNameKeywordAndPath) {
    auto message = [](const char* schema) {
        try {
            json_grammar_compile(nlohmann::ordered_json::parse(schema));
        } catch (const clinote::error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message(R"({"type":"object","properties":{"a":{"type":"string","pattern":"x"}}})"),
              "json schema /properties/a/pattern: unsupported keyword");
    EXPECT_EQ(message(R"({"anyOf":[{"type":"string"}]})"), "json schema /anyOf: unsupported keyword");
    EXPECT_EQ(message(R"({"type":"array","items":{"$ref":"#/x"}})"), "json schema /items/$ref: unsupported keyword");
    EXPECT_EQ(message(R"({"type":"array"})"), "json schema /: an array needs \"items\" (a schema for its elements)");
    EXPECT_EQ(message(R"({"type":"string","minLength":5,"maxLength":2})"), "json schema /: minLength is above maxLength");
    EXPECT_EQ(message(R"({"type":"object","properties":{},"required":["x"]})"),
              "json schema /required: \"x\" is not in properties (only declared properties are written)");
    EXPECT_EQ(message(R"({"type":"strng"})"), "json schema /type: unknown type \"strng\"");
    EXPECT_EQ(message(R"({"enum":[]})"), "json schema /enum: must be a non-empty array");
    EXPECT_EQ(message(R"({"type":"integer","minimum":5,"maximum":4})"), "json schema /: minimum is above maximum");
    EXPECT_EQ(message(R"({"type":"integer","minimum":4.2,"maximum":4.8})"), "json schema /: no integer within minimum/maximum can be written");
    EXPECT_EQ(message(R"({"type":["string","string"]})"),
              "json schema /type: listed types must start with different characters (duplicate type?)");
    EXPECT_EQ(message(R"({"type":"object","properties":{"a":{"type":"null"}},"additionalProperties":{"type":"string"}})"),
              "json schema /additionalProperties: with properties, only true or false is supported");
    EXPECT_EQ(message(R"({"type":"object","additionalProperties":{"type":"strng"}})"),
              "json schema /additionalProperties/type: unknown type \"strng\"");
    EXPECT_EQ(message(R"({"type":"string","enum":[1,2]})"), "json schema /enum: no value matches \"type\"");
    EXPECT_EQ(message(R"({"type":"array","items":true})"), "json schema /items: a schema must be an object (boolean schemas are not supported)");
}

// Free-form JSON (OpenAI's json_object, Ollama's "json"): {"type":"object"} is any object,
// {} any value, additionalProperties a schema for every value of an object of any keys.
TEST(Grammar, FreeFormJsonTakesAnyDocumentAndOnlyJson) {
    const json_grammar object = json_grammar_compile(nlohmann::ordered_json::parse(R"({"type":"object"})"));
    const json_grammar any = json_grammar_compile(nlohmann::ordered_json::parse(R"({"description":"anything"})"));
    for (const char* doc : {R"({})", R"({"a":1})", R"({"a":[1,-2.5,{"b":null,"c":[]}],"":"x\n","a":true})",
                            R"({"nested":{"deeper":{"deepest":[[[]]]}}})", R"({"é中":"😀"})"}) {
        EXPECT_TRUE(accepts_complete(object, doc)) << doc;
        EXPECT_TRUE(accepts_complete(any, doc)) << doc;
    }
    for (const char* doc : {"[1,2]", "\"text\"", "-0.5", "null", "true"}) {
        EXPECT_FALSE(accepts_complete(object, doc)) << doc;
        EXPECT_TRUE(accepts_complete(any, doc)) << doc;
    }
    EXPECT_EQ(first_refused(object, R"({"a" :1})"), 4u) << "whitespace is not written";
    EXPECT_EQ(first_refused(object, R"({a:1})"), 1u) << "keys are strings";
    EXPECT_EQ(first_refused(object, R"({"a":1,})"), 7u) << "trailing comma";
    EXPECT_EQ(first_refused(object, R"({"a",1})"), 4u) << "a colon after the key";
    EXPECT_EQ(first_refused(object, R"({"a":[1,]})"), 8u);
    EXPECT_EQ(first_refused(object, R"({"a":tru})"), 8u);
    EXPECT_EQ(first_refused(object, R"({"a":01})"), 6u) << "no leading zeros";
    EXPECT_EQ(first_refused(object, R"({}x)"), 2u) << "nothing after the value";
    EXPECT_EQ(grammar_shortest_completion(grammar_start(object)), "{}");
    EXPECT_EQ(grammar_shortest_completion(grammar_start(any)), "null");
    // Any value used again after its first place, where its shortest value is needed.
    const json_grammar reused = json_grammar_compile(nlohmann::ordered_json::parse(
        R"({"type":"object","properties":{"a":{},"b":{"type":"array","minItems":1,"items":{}},
            "c":{"type":"object","properties":{"d":{}},"required":["d"]}},"required":["b","c"]})"));
    EXPECT_EQ(grammar_shortest_completion(grammar_start(reused)), R"({"b":[null],"c":{"d":null}})");
    const std::string doc = R"({"a":[1,-2.5,{"b":null,"c":[]}],"d":"x\"y","e":{"f":false}})";
    for (size_t i = 0; i <= doc.size(); i++) {
        grammar_state st = grammar_start(object);
        ASSERT_TRUE(grammar_advance(st, std::string_view(doc).substr(0, i)));
        const std::string rest = grammar_shortest_completion(st);
        ASSERT_TRUE(grammar_advance(st, rest)) << doc.substr(0, i) << " + " << rest;
        ASSERT_TRUE(grammar_is_complete(st)) << doc.substr(0, i) << " + " << rest;
        EXPECT_TRUE(nlohmann::json::parse(doc.substr(0, i) + rest).is_object()) << doc.substr(0, i) << " + " << rest;
    }
}

TEST(Grammar, RandomWalkFreeFormJsonAlwaysValid) {
    const nlohmann::ordered_json object_schema = nlohmann::ordered_json::parse(R"({"type":"object"})");
    const json_grammar object = json_grammar_compile(object_schema);
    const walk_stats objects = random_walks(object, synthetic_vocab(object_schema), 200, 120, 10, 5);
    ASSERT_EQ(objects.outputs.size(), 200u);
    EXPECT_GT(objects.completed_by_eog, 0);
    for (const std::string& s : objects.outputs) EXPECT_TRUE(nlohmann::json::parse(s).is_object()) << s;
    const nlohmann::ordered_json counts_schema = nlohmann::ordered_json::parse(
        R"({"type":"object","additionalProperties":{"type":"integer","minimum":0,"maximum":99}})");
    const json_grammar counts = json_grammar_compile(counts_schema);
    const walk_stats maps = random_walks(counts, synthetic_vocab(counts_schema), 200, 80, 10, 6);
    ASSERT_EQ(maps.outputs.size(), 200u);
    for (const std::string& s : maps.outputs) {
        const nlohmann::json doc = nlohmann::json::parse(s);
        for (const auto& [key, value] : doc.items()) {
            ASSERT_TRUE(value.is_number_integer()) << s;
            EXPECT_GE(value.get<int64_t>(), 0);
            EXPECT_LE(value.get<int64_t>(), 99);
        }
    }
    if (!python_jsonschema_available()) return;
    const std::string schema_file = (std::filesystem::temp_directory_path() / ("clinote_counts_schema_" + std::to_string(::getpid()) + ".json")).string();
    std::ofstream(schema_file) << counts_schema.dump();
    EXPECT_EQ(python_validate(schema_file, maps.outputs, "counts"), 0);
    std::remove(schema_file.c_str());
}
