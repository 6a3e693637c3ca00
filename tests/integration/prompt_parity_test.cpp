// The lesson "the prompt used in production must be byte-identical to the training prompt",
// checked at the token level: for real dataset encounters, the tokens `clinote note` feeds
// the model (transcript file text → parse → prompt builder → chat template → tokenizer) are
// exactly the prefix of the training example's tokens that precedes the reference note.
#include <gtest/gtest.h>

#include <fstream>

#include "core/paths.h"
#include "data/export.h"
#include "data/import.h"
#include "generate/chat_prompt.h"
#include "io/gguf.h"
#include "notes/prompt.h"
#include "notes/transcript.h"

using namespace clinote;

namespace {

void check_encounters(const tokenizer& tok, const std::vector<encounter>& encounters, const note_template& t) {
    ASSERT_FALSE(encounters.empty());
    for (const encounter& e : encounters) {
        const nlohmann::json line = nlohmann::json::parse(export_line(e, t, {}));
        const nlohmann::json& training_messages = line["messages"];
        ASSERT_EQ(training_messages.back()["role"], "assistant") << e.id;
        const std::vector<int32_t> training = chat_prompt_tokens(tok, training_messages, false);

        // Serving: what a user's transcript file of this visit goes through.
        prompt_options po;
        po.target_section = prompt_default_target(e);
        const std::vector<turn> turns = transcript_parse(encounter_transcript(e));
        const std::vector<int32_t> serving = chat_prompt_tokens(tok, prompt_messages(turns, t, po), true);

        ASSERT_LT(serving.size(), training.size()) << e.id;
        ASSERT_TRUE(std::equal(serving.begin(), serving.end(), training.begin())) << e.id;
        const std::vector<int32_t> answer(training.begin() + long(serving.size()), training.end());
        EXPECT_EQ(tokenizer_decode(tok, answer, true).find(training_messages.back()["content"].get<std::string>()), 0u)
            << e.id;
    }
}

TEST(PromptParityDefaultModel, ServingTokensAreTheTrainingPromptTokens) {
    const std::string model = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::ifstream(model).good()) GTEST_SKIP() << "default model not downloaded (run scripts/setup.sh)";
    const tokenizer tok = tokenizer_from_gguf(gguf_open(model));
    import_report report;
    check_encounters(tok, import_mts_dialog(shared_dir() + "/data/mts-dialog/valid.csv", {}, report),
                     template_find("soap"));
    check_encounters(tok, import_aci_csv(shared_dir() + "/data/aci-bench/valid.csv", {}, report), template_find("hp"));
}

}  // namespace
