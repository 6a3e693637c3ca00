#include <gtest/gtest.h>

#include "core/error.h"
#include "notes/entities.h"
#include "notes/prompt.h"

using namespace clinote;

namespace {

encounter full_note_encounter() {
    encounter e;
    e.id = e.group = "t1";
    e.turns = {{"Doctor", "What brings you in?"}, {"Patient", "I take metformin 500 mg and my sugar is high."}};
    e.note = "CHIEF COMPLAINT\n\nHigh blood sugar.\n\nMEDICATIONS\n\nMetformin 500 mg twice daily.";
    return e;
}

}  // namespace

TEST(Prompt, SystemThenUserWithTheTranscript) {
    const auto m = prompt_messages(full_note_encounter(), template_find("soap"), {});
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0]["role"], "system");
    EXPECT_EQ(m[1]["role"], "user");
    EXPECT_EQ(m[1]["content"],
              "Transcript:\nDoctor: What brings you in?\nPatient: I take metformin 500 mg and my sugar is high.");
    const std::string sys = m[0]["content"];
    EXPECT_NE(sys.find("SOAP note"), std::string::npos);
    // Every section heading and instruction, in template order.
    size_t at = 0;
    const note_template soap = template_find("soap");
    for (const auto& s : soap.sections) {
        const size_t p = sys.find(s.title + ": " + s.instruction, at);
        ASSERT_NE(p, std::string::npos) << s.title;
        at = p;
    }
    EXPECT_EQ(sys.find("{{"), std::string::npos);
}

TEST(Prompt, TrainingAddsTheReferenceAsAssistant) {
    const encounter e = full_note_encounter();
    const auto m = prompt_training_messages(e, template_find("hp"), {});
    ASSERT_EQ(m.size(), 3u);
    EXPECT_EQ(m[2]["role"], "assistant");
    EXPECT_EQ(m[2]["content"], e.note);
    // The prompt part is exactly the serving prompt.
    const auto serve = prompt_messages(e.turns, template_find("hp"), {});
    EXPECT_EQ(m[0].dump(), serve[0].dump());
    EXPECT_EQ(m[1].dump(), serve[1].dump());
}

TEST(Prompt, EntityTagsAskedForAndPresentInTheReference) {
    const encounter e = full_note_encounter();
    prompt_options o;
    o.entity_tags = true;
    const auto m = prompt_training_messages(e, template_find("soap"), o);
    EXPECT_NE(m[0]["content"].get<std::string>().find("{{drug:metformin}}"), std::string::npos);
    const std::string ref = m[2]["content"];
    EXPECT_NE(ref.find("{{drug:Metformin}} {{dose:500 mg}}"), std::string::npos) << ref;
    EXPECT_EQ(entities_strip(ref), e.note);
}

TEST(Prompt, TargetSectionByKeyOrTemplateTitle) {
    encounter e = full_note_encounter();
    e.note.clear();
    e.sections = {{"MEDICATIONS", "medications", "Metformin 500 mg."}};
    EXPECT_EQ(prompt_default_target(e), "medications");
    prompt_options o;
    o.target_section = prompt_default_target(e);
    const auto m = prompt_training_messages(e, template_find("soap"), o);
    const std::string sys = m[0]["content"];
    EXPECT_NE(sys.find("Write only the Medications section"), std::string::npos) << sys;
    EXPECT_NE(sys.find("without a heading"), std::string::npos);
    EXPECT_EQ(m[2]["content"], "Metformin 500 mg.");

    o.target_section = "data";  // a template section title, any case
    const std::string by_title = prompt_messages(e, template_find("dap"), o)[0]["content"];
    EXPECT_NE(by_title.find("Write only the DATA section"), std::string::npos) << by_title;
}

TEST(Prompt, BadInputsAreClearErrors) {
    encounter e = full_note_encounter();
    prompt_options o;
    o.target_section = "wounds";
    try {
        prompt_messages(e, template_find("soap"), o);
        FAIL();
    } catch (const error& err) {
        EXPECT_NE(std::string(err.what()).find("section 'wounds': unknown for template 'soap'"), std::string::npos)
            << err.what();
    }
    e.turns = {{"Doctor", ""}};
    try {
        prompt_messages(e, template_find("soap"), {});
        FAIL();
    } catch (const error& err) {
        EXPECT_EQ(std::string(err.what()), "encounter 't1': transcript: empty: there is nothing to write a note from");
    }
    e = full_note_encounter();
    e.note.clear();
    EXPECT_THROW(prompt_training_messages(e, template_find("soap"), {}), error);
}
