// Training data against TRL: token ids and loss masks of the examples in
// tests/golden/train_data/cases.json (tools/make_train_data_golden.py: transformers'
// apply_chat_template and TRL's own masking code), then loading, bad input and batching.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "data/export.h"
#include "data/import.h"
#include "data/split.h"
#include "generate/chat_prompt.h"
#include "io/gguf.h"
#include "ops/loss.h"
#include "train/train_data.h"

using namespace clinote;
using json = nlohmann::json;

namespace {

json golden() { return json::parse(file_read_text(source_dir() + "/tests/golden/train_data/cases.json")); }

tokenizer golden_tokenizer(const json& c) {
    tokenizer tok = tokenizer_from_hf_dir(source_dir() + "/" + c["tokenizer"].get<std::string>());
    tok.chat_template = c["chat_template"];
    return tok;
}

// The chatml case's tokenizer and template, for the tests below that need any tokenizer.
tokenizer chatml_tokenizer() { return golden_tokenizer(golden()["cases"][0]); }

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "clinote-train-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
    }
    std::string str() const { return path.string(); }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

const std::string k_row_a =
    R"({"messages":[{"role":"user","content":"Doctor: Any pain?"},{"role":"assistant","content":"No pain."}]})";
const std::string k_row_b = R"({"prompt":"Patient: I take metformin.","completion":"MEDICATIONS\nMetformin."})";

TEST(TrainDataGolden, IdsAndMasksAreTrls) {
    const json g = golden();
    ASSERT_EQ(g["cases"].size(), 4u);
    for (const json& c : g["cases"]) {
        const tokenizer tok = golden_tokenizer(c);
        int n = 0;
        for (const json& e : c["examples"]) {
            const std::string where = c["name"].get<std::string>() + " example " + std::to_string(n++);
            const train_example ex = train_example_make(e["row"], tok, {}, where);
            EXPECT_EQ(ex.tokens, e["ids"].get<std::vector<int32_t>>()) << where;
            EXPECT_EQ(ex.scored, e["scored"].get<std::vector<uint8_t>>()) << where;
        }
    }
}

TEST(TrainDataGolden, OneBosAtMost) {
    const json g = golden();
    for (const json& c : g["cases"]) {
        const tokenizer tok = golden_tokenizer(c);
        if (tok.bos_id < 0) continue;
        for (const json& e : c["examples"]) {
            const train_example ex = train_example_make(e["row"], tok, {}, "bos");
            EXPECT_LE(std::count(ex.tokens.begin(), ex.tokens.end(), tok.bos_id), 1) << c["name"];
        }
    }
}

TEST(TrainData, WholeSequenceScoredWhenNotCompletionOnly) {
    const tokenizer tok = chatml_tokenizer();
    train_data_options opt;
    opt.completion_only = false;
    const train_example ex = train_example_make(json::parse(k_row_a), tok, opt, "x");
    ASSERT_GT(ex.tokens.size(), 2u);
    EXPECT_EQ(ex.scored[0], 0);
    EXPECT_EQ(std::count(ex.scored.begin(), ex.scored.end(), 1), long(ex.tokens.size()) - 1);
    // Same tokens as the masked form.
    EXPECT_EQ(ex.tokens, train_example_make(json::parse(k_row_a), tok, {}, "x").tokens);
}

TEST(TrainData, LoadsSplitsWithIdsAndReportsTooLong) {
    const tokenizer tok = chatml_tokenizer();
    const int64_t len_a = int64_t(train_example_make(json::parse(k_row_a), tok, {}, "a").tokens.size());
    const int64_t len_b = int64_t(train_example_make(json::parse(k_row_b), tok, {}, "b").tokens.size());
    ASSERT_NE(len_a, len_b);
    const std::string& shorter = len_a < len_b ? k_row_a : k_row_b;
    const std::string& longer = len_a < len_b ? k_row_b : k_row_a;
    const int64_t long_len = std::max(len_a, len_b);
    temp_dir d;
    d.write("train.jsonl", shorter + "\n\n" + longer + "\n" + shorter + "\n");
    d.write("valid.jsonl", shorter + "\n");
    train_data_options opt;
    opt.max_seq = long_len - 1;
    const train_dataset ds = train_data_load(d.str(), tok, opt);
    ASSERT_EQ(ds.train.examples.size(), 2u);
    EXPECT_EQ(ds.train.examples[0].id, "train.jsonl:1");
    EXPECT_EQ(ds.train.examples[1].id, "train.jsonl:4");
    ASSERT_EQ(ds.train.too_long.size(), 1u);
    EXPECT_EQ(ds.train.too_long[0], "train.jsonl:3 (" + std::to_string(long_len) + " tokens)");
    EXPECT_EQ(ds.valid.examples.size(), 1u);
    EXPECT_TRUE(ds.test.examples.empty());
    d.write("test.jsonl", "\n");  // as export writes it with a test ratio of 0: no test split
    EXPECT_TRUE(train_data_load(d.str(), tok, opt).test.examples.empty());

    d.write("test.jsonl", longer + "\n" + shorter + "\n");
    opt.max_seq = long_len;
    const train_dataset all = train_data_load(d.str(), tok, opt);
    EXPECT_EQ(all.train.examples.size(), 3u);
    EXPECT_TRUE(all.train.too_long.empty());
    ASSERT_EQ(all.test.examples.size(), 2u);
    EXPECT_EQ(all.test.examples[1].id, "test.jsonl:2");
}

TEST(TrainData, BadInputIsReportedBeforeTraining) {
    const tokenizer tok = chatml_tokenizer();
    temp_dir d;
    d.write("valid.jsonl", k_row_a + "\n");
    const std::string train = d.str() + "/train.jsonl";

    d.write("train.jsonl", k_row_a + "\n{\"messages\": [}\n");
    EXPECT_NE(error_of([&] { train_data_load(d.str(), tok, {}); }).find(train + ":2: not a JSON object"),
              std::string::npos);

    d.write("train.jsonl", R"({"messages":[{"role":"user","content":"hi"}]})" "\n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), tok, {}); }), train + ":1: no assistant turn: nothing to learn");

    d.write("train.jsonl", R"({"prompt":"hi"})" "\n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), tok, {}); }), train + ":1: no \"completion\": nothing to learn");

    d.write("train.jsonl", R"({"messages":[{"role":"user","content":3},{"role":"assistant","content":"x"}]})" "\n");
    EXPECT_NE(error_of([&] { train_data_load(d.str(), tok, {}); }).find(train + ":1: messages: every message needs"),
              std::string::npos);

    d.write("train.jsonl", R"({"text":"hi"})" "\n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), tok, {}); }),
              train + ":1: neither \"messages\" nor \"prompt\"/\"completion\"");

    d.write("train.jsonl", "\n  \n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), tok, {}); }), train + ": no examples (the file is empty)");

    d.write("train.jsonl", k_row_a + "\n" + k_row_b + "\n");
    train_data_options tiny;
    tiny.max_seq = 5;
    const std::string all_long = error_of([&] { train_data_load(d.str(), tok, tiny); });
    EXPECT_NE(all_long.find(train + ": all 2 examples are longer than --max-seq 5 (the shortest has "),
              std::string::npos)
        << all_long;

    d.write("train.jsonl", "{\"prompt\":\"caf\xC3\"}\n");
    EXPECT_NE(error_of([&] { train_data_load(d.str(), tok, {}); }).find("not valid UTF-8"), std::string::npos);

    std::filesystem::remove(d.path / "valid.jsonl");
    d.write("train.jsonl", k_row_a + "\n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), tok, {}); }), d.str() + "/valid.jsonl: cannot open");

    tokenizer no_template = tok;
    no_template.chat_template.clear();
    d.write("valid.jsonl", k_row_b + "\n");
    EXPECT_EQ(error_of([&] { train_data_load(d.str(), no_template, {}); }),
              d.str() + "/train.jsonl:1: the model has no chat template, so only plain {\"prompt\": string, "
                        "\"completion\": string} lines can be trained (or give one with --chat-template)");
}

// A model without a chat template (stories260K) trains on plain prompt/completion pairs as TRL
// does: the prompt with BOS — "Once upon a time" is [1, 403, 407, 261, 378] in transformers'
// golden file (tests/golden/model/stories260k.json) —, the completion without, then EOS; the
// loss on the completion and EOS only.
TEST(TrainData, PlainPromptCompletionWithoutAChatTemplate) {
    const tokenizer tok = tokenizer_from_gguf(gguf_open(shared_dir() + "/models/stories260k/stories260K.gguf"));
    ASSERT_TRUE(tok.chat_template.empty());
    temp_dir d;
    d.write("train.jsonl", R"({"prompt":"Once upon a time","completion":" there was a cat."})" "\n");
    d.write("valid.jsonl", R"({"prompt":"Once upon a time","completion":" a dog"})" "\n");
    const train_dataset data = train_data_load(d.str(), tok, {});
    const train_example& ex = data.train.examples.at(0);
    const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
    ASSERT_GT(ex.tokens.size(), prompt.size() + 1);
    EXPECT_EQ(std::vector<int32_t>(ex.tokens.begin(), ex.tokens.begin() + 5), prompt);
    EXPECT_EQ(ex.tokens.back(), tok.eos_id);
    EXPECT_EQ(tokenizer_decode(tok, std::vector<int32_t>(ex.tokens.begin() + 5, ex.tokens.end() - 1)), " there was a cat.");
    for (size_t i = 0; i < ex.tokens.size(); i++) EXPECT_EQ(ex.scored[i], i >= 5 ? 1 : 0) << i;
    d.write("train.jsonl", R"({"prompt":[{"role":"user","content":"hi"}],"completion":"x"})" "\n");
    EXPECT_NE(error_of([&] { train_data_load(d.str(), tok, {}); }).find("train.jsonl:1: the model has no chat template"),
              std::string::npos);
}

// Examples with made-up tokens: token value = 1000 * example + position, so every batch cell
// says where it came from.
std::vector<train_example> synthetic_examples(const std::vector<int>& lengths) {
    std::vector<train_example> out;
    for (size_t e = 0; e < lengths.size(); e++) {
        train_example ex;
        ex.id = "ex" + std::to_string(e);
        for (int i = 0; i < lengths[e]; i++) {
            ex.tokens.push_back(int32_t(1000 * e + size_t(i)));
            ex.scored.push_back(uint8_t(i >= lengths[e] / 2));  // the second half is the answer
        }
        out.push_back(ex);
    }
    return out;
}

// Checks one epoch's batches cell by cell against the examples; returns the example order.
std::vector<size_t> check_batches(const std::vector<train_example>& examples, const std::vector<train_batch>& batches,
                                  const batching_options& opt) {
    std::vector<size_t> order;
    std::multiset<size_t> seen;
    for (const train_batch& b : batches) {
        EXPECT_LE(b.n_batch, opt.batch_size);
        EXPECT_LE(b.seq_len, opt.max_seq);
        const size_t n = size_t(b.n_batch * b.seq_len);
        EXPECT_EQ(b.tokens.size(), n);
        EXPECT_EQ(b.targets.size(), n);
        EXPECT_EQ(b.segment.size(), n);
        EXPECT_EQ(b.positions.size(), n);
        EXPECT_EQ(b.valid.size(), n);
        int64_t scored = 0;
        bool row_full = false;
        for (int64_t r = 0; r < b.n_batch; r++) {
            for (int64_t i = 0; i < b.seq_len; i++) {
                const size_t at = size_t(r * b.seq_len + i);
                if (!b.valid[at]) {
                    EXPECT_EQ(b.targets[at], cross_entropy_ignore);
                    // padding only at the end of a row
                    for (int64_t k = i; k < b.seq_len; k++) EXPECT_EQ(b.valid[size_t(r * b.seq_len + k)], 0);
                    break;
                }
                if (i == b.seq_len - 1) row_full = true;
                const size_t e = size_t(b.tokens[at] / 1000), pos = size_t(b.tokens[at] % 1000);
                EXPECT_EQ(size_t(b.positions[at]), pos);
                if (pos == 0) {
                    order.push_back(e);
                    seen.insert(e);
                    if (i > 0) {
                        EXPECT_NE(b.segment[at], b.segment[at - 1]);
                    }
                } else {
                    EXPECT_EQ(b.segment[at], b.segment[at - 1]);
                    EXPECT_EQ(size_t(b.tokens[at - 1]), 1000 * e + pos - 1);
                }
                const train_example& ex = examples[e];
                const bool has_target = pos + 1 < ex.tokens.size() && ex.scored[pos + 1];
                EXPECT_EQ(b.targets[at], has_target ? ex.tokens[pos + 1] : cross_entropy_ignore);
                scored += has_target;
            }
        }
        EXPECT_TRUE(row_full);  // the batch is as long as its longest row
        EXPECT_EQ(b.n_scored, scored);
    }
    EXPECT_EQ(seen.size(), examples.size());
    for (size_t e = 0; e < examples.size(); e++) EXPECT_EQ(seen.count(e), 1u) << e;
    return order;
}

TEST(TrainBatches, EveryExampleOnceWithShiftedTargets) {
    const auto examples = synthetic_examples({5, 9, 3, 12, 7, 7, 2, 10, 4, 6, 8, 11});
    for (bool pack : {false, true})
        for (bool by_length : {false, true}) {
            batching_options opt;
            opt.batch_size = 3;
            opt.max_seq = 16;
            opt.pack = pack;
            opt.by_length = by_length;
            opt.seed = 7;
            SCOPED_TRACE(std::to_string(pack) + std::to_string(by_length));
            const auto batches = train_batches_make(examples, opt, 0);
            check_batches(examples, batches, opt);
            if (!pack) {
                EXPECT_EQ(batches.size(), 4u);
            }
            if (pack) {
                // Packed rows hold several examples: fewer rows than examples.
                int64_t rows = 0;
                for (const auto& b : batches) rows += b.n_batch;
                EXPECT_LT(rows, 12);
            }
        }
}

TEST(TrainBatches, ByLengthPadsLessThanRandomOrder) {
    std::vector<int> lengths;
    for (int i = 0; i < 64; i++) lengths.push_back(2 + (i * 37) % 60);
    const auto examples = synthetic_examples(lengths);
    auto padding = [&](bool by_length) {
        batching_options opt;
        opt.batch_size = 4;
        opt.max_seq = 64;
        opt.by_length = by_length;
        opt.seed = 3;
        int64_t pad = 0;
        for (const auto& b : train_batches_make(examples, opt, 0))
            pad += int64_t(std::count(b.valid.begin(), b.valid.end(), 0));
        return pad;
    };
    EXPECT_LT(padding(true) * 4, padding(false));
}

TEST(TrainBatches, SeedAndEpochFixTheOrder) {
    std::vector<int> lengths(40, 6);
    for (int i = 0; i < 40; i++) lengths[size_t(i)] = 3 + i % 5;
    const auto examples = synthetic_examples(lengths);
    for (bool by_length : {false, true}) {
        batching_options opt;
        opt.batch_size = 2;
        opt.max_seq = 32;
        opt.by_length = by_length;
        opt.seed = 11;
        const auto order0 = check_batches(examples, train_batches_make(examples, opt, 0), opt);
        EXPECT_EQ(order0, check_batches(examples, train_batches_make(examples, opt, 0), opt));
        EXPECT_NE(order0, check_batches(examples, train_batches_make(examples, opt, 1), opt));
        opt.seed = 12;
        EXPECT_NE(order0, check_batches(examples, train_batches_make(examples, opt, 0), opt));
    }
}

TEST(TrainBatches, BadOptionsAndTooLongExamples) {
    const auto examples = synthetic_examples({4, 9});
    batching_options opt;
    opt.max_seq = 8;
    EXPECT_EQ(error_of([&] { train_batches_make(examples, opt, 0); }), "ex1: 9 tokens, more than max_seq 8");
    opt.max_seq = 16;
    opt.batch_size = 0;
    EXPECT_EQ(error_of([&] { train_batches_make(examples, opt, 0); }), "batch_size: must be at least 1");
}

// The default model's real template on exported MTS-Dialog encounters: the scored tokens are
// exactly the reference note followed by <|im_end|>, and the unscored prefix is the prompt
// `clinote note` sends.
TEST(TrainDataDefaultModel, ExportedExamplesScoreTheNoteAndItsEnd) {
    const std::string model = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::ifstream(model).good()) GTEST_SKIP() << "default model not downloaded (run scripts/setup.sh)";
    const tokenizer tok = tokenizer_from_gguf(gguf_open(model));
    import_report report;
    const auto encounters = import_mts_dialog(shared_dir() + "/data/mts-dialog/valid.csv", {}, report);
    ASSERT_GE(encounters.size(), 20u);
    for (size_t i = 0; i < 20; i++) {
        const json row = json::parse(export_line(encounters[i], template_find("soap"), {}));
        const train_example ex = train_example_make(row, tok, {}, encounters[i].id);
        std::vector<int32_t> scored, prompt;
        size_t first = ex.tokens.size();
        for (size_t t = 0; t < ex.tokens.size(); t++)
            if (ex.scored[t]) {
                scored.push_back(ex.tokens[t]);
                first = std::min(first, t);
            }
        EXPECT_EQ(tokenizer_decode(tok, scored), row["messages"][2]["content"].get<std::string>() + "<|im_end|>")
            << encounters[i].id;
        const json prompt_messages = json(row["messages"].begin(), row["messages"].begin() + 2);
        const auto serving = chat_prompt_tokens(tok, prompt_messages, true);
        EXPECT_EQ(std::vector<int32_t>(ex.tokens.begin(), ex.tokens.begin() + long(first)), serving) << encounters[i].id;
    }
}

}  // namespace
