#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "core/error.h"
#include "core/paths.h"
#include "notes/note_template.h"
#include "notes/section_map.h"

using namespace clinote;
using json = nlohmann::json;

namespace {

std::string error_of(const json& j) {
    try {
        template_from_json(j, "my.json");
    } catch (const error& e) {
        return e.what();
    }
    return "no error";
}

json valid_template() {
    return json::parse(R"({"name":"wound","title":"Wound care note","sections":[
        {"title":"WOUND","instruction":"site, size, bed, exudate","covers":["physical_exam"]},
        {"title":"CARE","instruction":"dressing and follow-up","covers":["plan"]}]})");
}

}  // namespace

TEST(Template, BuiltinsAreTheSevenRequired) {
    std::vector<std::string> names;
    for (const auto& t : template_builtins()) names.push_back(t.name);
    EXPECT_EQ(names, (std::vector<std::string>{"soap", "hp", "progress", "discharge", "procedure", "consult", "dap"}));
}

TEST(Template, BuiltinsPassTheUserValidation) {
    // A built-in serialised and read back as if a user wrote it must be accepted unchanged.
    for (const auto& t : template_builtins()) {
        const note_template back = template_from_json(template_to_json(t), t.name);
        EXPECT_EQ(template_to_json(back), template_to_json(t)) << t.name;
    }
}

TEST(Template, SoapAndHpCoverEveryCanonicalSection) {
    for (const char* name : {"soap", "hp"}) {
        const note_template t = template_find(name);
        for (const auto& s : section_catalog())
            EXPECT_NE(template_section_for_key(t, std::string(s.key)), nullptr) << name << " misses " << s.key;
    }
}

TEST(Template, UnknownTemplateListsTheKnownOnes) {
    try {
        template_find("sopa");
        FAIL() << "no error";
    } catch (const error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("template 'sopa'"), std::string::npos) << msg;
        for (const char* n : {"soap", "hp", "progress", "discharge", "procedure", "consult", "dap"})
            EXPECT_NE(msg.find(n), std::string::npos) << msg;
    }
}

TEST(Template, UserTemplateFromJsonAndFind) {
    const note_template t = template_from_json(valid_template(), "my.json");
    EXPECT_EQ(t.name, "wound");
    ASSERT_EQ(t.sections.size(), 2u);
    EXPECT_EQ(template_find("wound", {t}).title, "Wound care note");
    EXPECT_NE(template_find("soap", {t}).name, "wound");
}

TEST(Template, ValidationErrorsNameTheField) {
    json j = valid_template();
    j.erase("name");
    EXPECT_EQ(error_of(j), "my.json: name: missing");

    j = valid_template();
    j["name"] = "Wound Care";
    EXPECT_NE(error_of(j).find("my.json: name: 'Wound Care' must use only lowercase"), std::string::npos);

    j = valid_template();
    j["sections"][1]["instruction"] = "";
    EXPECT_EQ(error_of(j), "my.json: sections[1].instruction: must be a non-empty string");

    j = valid_template();
    j["sections"][0]["covers"][0] = "wounds";
    EXPECT_NE(error_of(j).find("my.json: sections[0].covers[0]: unknown section key 'wounds'"), std::string::npos);

    j = valid_template();
    j["sections"] = json::array();
    EXPECT_EQ(error_of(j), "my.json: sections: must be a non-empty array");

    j = valid_template();
    j["section"] = 1;
    EXPECT_NE(error_of(j).find("my.json: section: unknown field"), std::string::npos);

    j = valid_template();
    j["sections"][1]["title"] = "WOUND";
    EXPECT_EQ(error_of(j), "my.json: sections[1].title: duplicate section title 'WOUND'");

    j = valid_template();
    j["example"] = 3;
    EXPECT_EQ(error_of(j), "my.json: example: must be a string");

    EXPECT_EQ(error_of(json::array()), "my.json: a template must be a JSON object with name and sections");
}

TEST(Template, ShippedExampleFileLoads) {
    const note_template t = template_load(source_dir() + "/templates/wound_care.json");
    EXPECT_EQ(t.name, "wound_care");
    EXPECT_FALSE(t.example.empty());
}

TEST(Template, FileErrorsNameTheFile) {
    const std::string path = ::testing::TempDir() + "bad_template.json";
    {
        std::ofstream(path, std::ios::binary) << "{\"name\": \"x\", \"sections\": [";
    }
    try {
        template_load(path);
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find(path + ": not valid JSON"), std::string::npos) << e.what();
    }
    {
        std::ofstream(path, std::ios::binary) << "{\"name\": \"caf\xE9\"}";
    }
    try {
        template_load(path);
        FAIL();
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find(path + ": not valid UTF-8 (byte offset 13)"), std::string::npos)
            << e.what();
    }
}
