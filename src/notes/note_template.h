// Note templates: the structure a generated note must follow. Seven are built in; users
// add their own as JSON files (see docs/data.md and templates/).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace clinote {

struct template_section {
    std::string title;                // heading as written in the note
    std::string instruction;          // what goes in it
    std::vector<std::string> covers;  // canonical section keys (section_map.h) it absorbs
};

struct note_template {
    std::string name;         // id used on the command line: "soap", "hp", ...
    std::string title;        // "SOAP note"
    std::string description;  // one paragraph on purpose and style
    std::vector<template_section> sections;
    std::string example;      // optional example note shown to the model
};

// The built-in templates in a fixed order: soap, hp, progress, discharge, procedure,
// consult, dap.
const std::vector<note_template>& template_builtins();

// The headings a note in t starts its sections with, as written: "SUBJECTIVE:", ...
std::vector<std::string> template_headings(const note_template& t);

// Built-in template by name; throws "template '<name>': unknown; known templates: ..."
// listing the built-ins and the names in `custom`.
note_template template_find(const std::string& name, const std::vector<note_template>& custom = {});

// Validates and converts a user template. Errors read "<where>: <field>: <problem>", e.g.
// "my.json: sections[1].instruction: must be a non-empty string".
note_template template_from_json(const nlohmann::json& j, const std::string& where);
nlohmann::json template_to_json(const note_template& t);

// Reads a template file (UTF-8 JSON object); errors name the file.
note_template template_load(const std::string& path);

// The template section of t that covers canonical section key; nullptr if none.
const template_section* template_section_for_key(const note_template& t, const std::string& key);

}  // namespace clinote
