#include "train/train_data.h"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "core/random.h"
#include "generate/chat_prompt.h"
#include "ops/loss.h"

namespace clinote {

namespace {

using json = nlohmann::json;

// The byte range of each token in the text it was encoded from, as the offsets of HF's fast
// tokenizers: SentencePiece's "▁" prefixed to a text stretch (add_space_prefix) is not in the
// text, so such a token covers one byte less.
std::vector<std::pair<size_t, size_t>> token_offsets(const tokenizer& tok, const std::string& text,
                                                     const std::vector<int32_t>& ids, const std::string& where) {
    std::vector<std::pair<size_t, size_t>> offsets;
    offsets.reserve(ids.size());
    size_t at = 0;
    for (int32_t id : ids) {
        const std::string bytes = tokenizer_token_bytes(tok, id);
        size_t n = bytes.size();
        if (text.compare(at, n, bytes) != 0) {
            if (!(tok.add_space_prefix && !bytes.empty() && bytes[0] == ' ' &&
                  text.compare(at, n - 1, bytes, 1, n - 1) == 0))
                fail(where, "the tokens do not spell the rendered conversation at byte " + std::to_string(at));
            n--;
        }
        offsets.emplace_back(at, at + n);
        at += n;
    }
    if (at != text.size()) fail(where, "the tokens do not spell the whole rendered conversation");
    return offsets;
}

void check_messages(const json& messages, const std::string& where, const char* field) {
    if (!messages.is_array() || messages.empty()) fail(where, std::string(field) + " must be a non-empty list of messages");
    for (const json& m : messages) {
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content") ||
            !m["content"].is_string())
            fail(where, std::string(field) + ": every message needs a string \"role\" and a string \"content\"");
    }
}

std::string render_checked(const tokenizer& tok, const json& messages, bool add_generation_prompt,
                           const std::string& where) {
    try {
        return chat_prompt_render(tok, messages, add_generation_prompt);
    } catch (const error& e) {
        fail(where, e.what());
    }
}

// A prompt (the conversation up to a reply, with the generation prompt, exactly what is sent at
// inference) must be a prefix of the rendered training conversation.
size_t prompt_end(const tokenizer& tok, const json& prompt, const std::string& full, const std::string& where) {
    const std::string p = render_checked(tok, prompt, true, where);
    if (full.compare(0, p.size(), p) != 0)
        fail(where, "the chat template renders the prompt differently inside the whole conversation, so the "
                    "training prompt would not be the inference prompt");
    return p.size();
}

// Scores the tokens that overlap [begin, end), as HF's assistant mask does (the token holding
// the first byte through the token holding the last).
void score_range(const std::vector<std::pair<size_t, size_t>>& offsets, size_t begin, size_t end,
                 std::vector<uint8_t>& scored) {
    for (size_t i = 0; i < offsets.size(); i++)
        if (offsets[i].second > begin && offsets[i].first < end) scored[i] = 1;
}

// {"messages": [...]}: each assistant turn's content and the end-of-turn token after it, as TRL's
// assistant_only_loss with a chat template whose {% generation %} block holds the content and
// the end-of-turn marker.
void score_assistant_turns(const tokenizer& tok, const json& messages, const std::string& full,
                           const std::vector<int32_t>& ids, const std::vector<std::pair<size_t, size_t>>& offsets,
                           const std::string& where, std::vector<uint8_t>& scored) {
    for (size_t i = 0; i < messages.size(); i++) {
        if (messages[i]["role"] != "assistant") continue;
        const json prompt(messages.begin(), messages.begin() + long(i));
        if (prompt.empty()) fail(where, "the conversation starts with an assistant turn, which has no prompt");
        const size_t begin = prompt_end(tok, prompt, full, where);
        const std::string content = messages[i]["content"];
        // Templates may trim the content (Llama 3 writes content | trim).
        const size_t first = content.find_first_not_of(" \t\r\n");
        const std::string trimmed =
            first == std::string::npos ? "" : content.substr(first, content.find_last_not_of(" \t\r\n") - first + 1);
        size_t at = full.find(content, begin);
        size_t len = content.size();
        if (at == std::string::npos || full.find_first_not_of(" \t\r\n", begin) < at) {
            at = full.find(trimmed, begin);
            len = trimmed.size();
        }
        if (at == std::string::npos || full.find_first_not_of(" \t\r\n", begin) < at)
            fail(where, "the chat template does not write assistant turn " + std::to_string(i + 1) +
                            " right after its prompt");
        score_range(offsets, at, at + len, scored);
        // The end-of-turn token (and the whitespace before it, which the model must write too),
        // when only whitespace separates it from the content.
        for (size_t t = 0; t < ids.size(); t++) {
            if (offsets[t].first < at + len) continue;
            if (full.find_first_not_of(" \t\r\n", at + len) < offsets[t].first) break;
            if (tok.is_eog(ids[t]) || ids[t] == tok.eos_id) {
                score_range(offsets, at, offsets[t].second, scored);
                break;
            }
        }
    }
}

json as_messages(const json& value, const char* role, const std::string& where, const char* field) {
    if (value.is_string()) return json::array({{{"role", role}, {"content", value}}});
    check_messages(value, where, field);
    return value;
}

}  // namespace

namespace {

// A model without a chat template (a base model, the tiny test model): a prompt/completion
// pair of plain strings is trained as TRL trains it — the prompt tokenised with the model's
// special tokens (BOS), the completion without, then the end-of-sequence token; the loss on
// the completion and that token. The prompt is what `clinote generate --raw` feeds.
train_example plain_example_make(const nlohmann::json& row, const tokenizer& tok, const train_data_options& opt,
                                 const std::string& id) {
    const char* wants = "the model has no chat template, so only plain {\"prompt\": string, \"completion\": string} "
                        "lines can be trained (or give one with --chat-template)";
    if (!row.contains("prompt") || !row.contains("completion")) fail(id, wants);
    if (!row["prompt"].is_string() || !row["completion"].is_string()) fail(id, wants);
    if (row["completion"].get<std::string>().empty()) fail(id, "\"completion\" is empty: nothing to learn");
    if (tok.eos_id < 0) fail(id, "the model's tokenizer has no end-of-sequence token to end a completion with");
    train_example ex;
    ex.id = id;
    ex.tokens = tokenizer_encode(tok, row["prompt"].get<std::string>(), true);
    const size_t prompt_len = ex.tokens.size();
    for (int32_t t : tokenizer_encode(tok, row["completion"].get<std::string>(), false)) ex.tokens.push_back(t);
    ex.tokens.push_back(tok.eos_id);
    ex.scored.assign(ex.tokens.size(), 0);
    std::fill(ex.scored.begin() + (opt.completion_only ? ptrdiff_t(prompt_len) : 1), ex.scored.end(), 1);
    return ex;
}

}  // namespace

train_example train_example_make(const nlohmann::json& row, const tokenizer& tok, const train_data_options& opt,
                                 const std::string& id) {
    if (!row.is_object()) fail(id, "a line must be a JSON object");
    if (tok.chat_template.empty()) return plain_example_make(row, tok, opt, id);
    train_example ex;
    ex.id = id;
    json conversation;
    size_t completion_begin = 0;
    const bool messages_form = row.contains("messages");
    if (messages_form) {
        conversation = row["messages"];
        check_messages(conversation, id, "messages");
        if (std::none_of(conversation.begin(), conversation.end(),
                         [](const json& m) { return m["role"] == "assistant"; }))
            fail(id, "no assistant turn: nothing to learn");
    } else if (row.contains("prompt") || row.contains("completion")) {
        if (!row.contains("prompt")) fail(id, "a completion without a \"prompt\"");
        if (!row.contains("completion")) fail(id, "no \"completion\": nothing to learn");
        // A plain-text pair is one user turn and one assistant turn (as MLX-LM does), so the
        // model is trained in the chat form it is served in.
        const json prompt = as_messages(row["prompt"], "user", id, "prompt");
        conversation = prompt;
        for (const json& m : as_messages(row["completion"], "assistant", id, "completion")) conversation.push_back(m);
        completion_begin = prompt_end(tok, prompt, render_checked(tok, conversation, false, id), id);
    } else {
        fail(id, "neither \"messages\" nor \"prompt\"/\"completion\"");
    }
    const std::string full = render_checked(tok, conversation, false, id);
    ex.tokens = tokenizer_encode(tok, full, false);
    ex.scored.assign(ex.tokens.size(), 0);
    if (!opt.completion_only) {
        std::fill(ex.scored.begin() + (ex.tokens.empty() ? 0 : 1), ex.scored.end(), 1);
        return ex;
    }
    const auto offsets = token_offsets(tok, full, ex.tokens, id);
    if (messages_form) {
        score_assistant_turns(tok, conversation, full, ex.tokens, offsets, id, ex.scored);
    } else {
        // TRL's completion mask: every token after the prompt.
        score_range(offsets, completion_begin, full.size(), ex.scored);
    }
    return ex;
}

namespace {

// JSONL text of one split; errors name `path`:<line>, ids `name`:<line>. empty_ok: no
// examples is an empty split (the optional test.jsonl) instead of an error.
train_split split_parse(const std::string& text, const std::string& path, const std::string& name,
                        const tokenizer& tok, const train_data_options& opt, bool empty_ok = false) {
    utf8_require(text, path);
    train_split split;
    int64_t n_lines = 0, shortest = -1;
    size_t line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        line_no++;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string id = name + ":" + std::to_string(line_no);
        json row;
        try {
            row = json::parse(line);
        } catch (const json::exception& e) {
            std::string reason = e.what();
            if (const size_t p = reason.find("]: "); p != std::string::npos) reason = reason.substr(p + 3);
            fail(path + ":" + std::to_string(line_no), "not a JSON object (" + reason + ")");
        }
        n_lines++;
        train_example ex = train_example_make(row, tok, opt, path + ":" + std::to_string(line_no));
        ex.id = id;
        const int64_t n = int64_t(ex.tokens.size());
        if (shortest < 0 || n < shortest) shortest = n;
        if (n > opt.max_seq) {
            split.too_long.push_back(id + " (" + std::to_string(n) + " tokens)");
            continue;
        }
        split.examples.push_back(std::move(ex));
    }
    if (n_lines == 0) {
        if (empty_ok) return split;
        fail(path, "no examples (the file is empty)");
    }
    if (split.examples.empty())
        fail(path, "all " + std::to_string(n_lines) + " examples are longer than --max-seq " +
                       std::to_string(opt.max_seq) + " (the shortest has " + std::to_string(shortest) +
                       " tokens); raise --max-seq or shorten the examples");
    return split;
}

train_split split_load(const std::string& path, const std::string& name, const tokenizer& tok,
                       const train_data_options& opt, bool empty_ok = false) {
    return split_parse(file_read_text(path), path, name, tok, opt, empty_ok);
}

}  // namespace

train_split train_split_parse(const std::string& text, const std::string& name, const tokenizer& tok,
                              const train_data_options& opt) {
    return split_parse(text, name, name, tok, opt);
}

train_dataset train_data_load(const std::string& dir, const tokenizer& tok, const train_data_options& opt) {
    if (opt.max_seq < 2) fail("max_seq", "must be at least 2");
    train_dataset d;
    d.train = split_load(dir + "/train.jsonl", "train.jsonl", tok, opt);
    d.valid = split_load(dir + "/valid.jsonl", "valid.jsonl", tok, opt);
    // test.jsonl is optional, and an empty one counts as absent: `clinote data export` with a test
    // ratio of 0 writes it empty. train.jsonl and valid.jsonl must hold examples.
    if (std::filesystem::exists(dir + "/test.jsonl"))
        d.test = split_load(dir + "/test.jsonl", "test.jsonl", tok, opt, /*empty_ok=*/true);
    return d;
}

train_split train_split_read(const std::string& path, const tokenizer& tok, const train_data_options& opt) {
    return split_load(path, std::filesystem::path(path).filename().string(), tok, opt);
}

train_dataset train_data_load(const std::string& dir, const model& m, const train_data_options& opt) {
    if (!m.has_tokenizer) fail(m.path, "the model has no tokenizer");
    return train_data_load(dir, m.tok, opt);
}

namespace {

using row = std::vector<size_t>;  // indices of the examples packed into one batch row

int64_t row_length(const std::vector<train_example>& examples, const row& r) {
    int64_t n = 0;
    for (size_t i : r) n += int64_t(examples[i].tokens.size());
    return n;
}

train_batch batch_make(const std::vector<train_example>& examples, const std::vector<row>& rows) {
    train_batch b;
    b.n_batch = int64_t(rows.size());
    for (const row& r : rows) b.seq_len = std::max(b.seq_len, row_length(examples, r));
    const size_t n = size_t(b.n_batch * b.seq_len);
    b.tokens.assign(n, 0);
    b.targets.assign(n, cross_entropy_ignore);
    b.segment.assign(n, -1);
    b.positions.assign(n, 0);
    b.valid.assign(n, 0);
    for (size_t r = 0; r < rows.size(); r++) {
        size_t at = r * size_t(b.seq_len);
        for (size_t s = 0; s < rows[r].size(); s++) {
            const train_example& ex = examples[rows[r][s]];
            for (size_t i = 0; i < ex.tokens.size(); i++, at++) {
                b.tokens[at] = ex.tokens[i];
                b.segment[at] = int32_t(s);
                b.positions[at] = int32_t(i);
                b.valid[at] = 1;
                if (i + 1 < ex.tokens.size() && ex.scored[i + 1]) {
                    b.targets[at] = ex.tokens[i + 1];
                    b.n_scored++;
                }
            }
        }
    }
    return b;
}

}  // namespace

std::vector<train_batch> train_batches_make(const std::vector<train_example>& examples, const batching_options& opt,
                                            int64_t epoch) {
    if (opt.batch_size < 1) fail("batch_size", "must be at least 1");
    for (const train_example& ex : examples) {
        if (int64_t(ex.tokens.size()) > opt.max_seq)
            fail(ex.id, std::to_string(ex.tokens.size()) + " tokens, more than max_seq " + std::to_string(opt.max_seq));
        if (ex.scored.size() != ex.tokens.size()) fail(ex.id, "the score mask and the tokens differ in length");
    }
    uint64_t state = opt.seed ^ (uint64_t(epoch) * 0xD1B54A32D192ED03ull);
    std::vector<size_t> order(examples.size());
    std::iota(order.begin(), order.end(), size_t(0));
    random_shuffle(order, state);
    auto length = [&](size_t i) { return int64_t(examples[i].tokens.size()); };

    std::vector<row> rows;
    if (!opt.pack) {
        for (size_t i : order) rows.push_back({i});
    } else if (opt.by_length) {
        // First-fit decreasing: few rows, little padding.
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return length(a) > length(b); });
        std::vector<int64_t> used;
        for (size_t i : order) {
            size_t r = 0;
            while (r < rows.size() && used[r] + length(i) > opt.max_seq) r++;
            if (r == rows.size()) {
                rows.emplace_back();
                used.push_back(0);
            }
            rows[r].push_back(i);
            used[r] += length(i);
        }
    } else {
        int64_t used = 0;
        for (size_t i : order) {
            if (rows.empty() || used + length(i) > opt.max_seq) {
                rows.emplace_back();
                used = 0;
            }
            rows.back().push_back(i);
            used += length(i);
        }
    }
    if (opt.by_length)
        std::stable_sort(rows.begin(), rows.end(), [&](const row& a, const row& b) {
            return row_length(examples, a) < row_length(examples, b);
        });

    std::vector<std::vector<row>> groups;
    for (size_t r = 0; r < rows.size(); r += size_t(opt.batch_size))
        groups.emplace_back(rows.begin() + long(r), rows.begin() + long(std::min(rows.size(), r + size_t(opt.batch_size))));
    // Sorted by length, batches would go from short to long: shuffle their order instead.
    if (opt.by_length) random_shuffle(groups, state);
    std::vector<train_batch> batches;
    batches.reserve(groups.size());
    for (const auto& g : groups) batches.push_back(batch_make(examples, g));
    return batches;
}

}  // namespace clinote
