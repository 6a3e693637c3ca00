// Export and import: the encrypted archive round-trips every version into another vault;
// the plaintext exports carry the content in the documented shapes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;

void fill(vault& v) {
    const int64_t pid = vault_patient_add(v, {0, "MRN-1", "Ada Example", "1970-01-02"});
    const int64_t a = vault_encounter_add(v, {0, pid, "first", ""});
    vault_transcript_add(v, a, "Doctor: hi\n", "t1");
    vault_transcript_add(v, a, "Doctor: hi there\n", "t2");
    const int64_t adapter = vault_adapter_add(v, "lora-a", "ff00");
    vault_note_add_draft(v, a, "S: draft\n", "model", adapter);
    vault_note_approve(v, a, "S: approved\n", "dr-x");
    vault_audio_add(v, a, "audio/wav", {0, 1, 2, 250});
    const int64_t b = vault_encounter_add(v, {0, std::nullopt, "second", ""});
    vault_transcript_add(v, b, "Patient: ok\n", "t3");
}

TEST(Export, ArchiveRoundTripsIntoAnotherVault) {
    temp_dir d;
    const std::string archive = (d.path / "out.clinote").string();
    {
        vault_ptr v = test::make_vault(d.vault());
        fill(*v);
        vault_export_archive(*v, archive, "archive passphrase");
    }
    const std::string other = (d.path / "other").string();
    vault_ptr w = test::make_vault(other);
    try {
        vault_import_archive(*w, archive, "not the archive passphrase");
        FAIL() << "a wrong passphrase was accepted";
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()), archive + ": wrong passphrase or damaged archive");
    }
    EXPECT_EQ(vault_import_archive(*w, archive, "archive passphrase"), 2);
    const auto list = vault_encounter_list(*w);
    ASSERT_EQ(list.size(), 2u);
    const encounter_content c = vault_encounter_load(*w, list[0].encounter.id);
    EXPECT_EQ(c.encounter.title, "first");
    ASSERT_TRUE(c.patient);
    EXPECT_EQ(c.patient->external_ref, "MRN-1");
    ASSERT_EQ(c.transcripts.size(), 2u);
    EXPECT_EQ(c.transcripts[1].text, "Doctor: hi there\n");
    ASSERT_EQ(c.notes.size(), 2u);
    EXPECT_EQ(c.notes[1].kind, "approved");
    EXPECT_EQ(c.notes[1].based_on, c.notes[0].id);  // the link survives new ids
    EXPECT_EQ(c.notes[1].diff, "@@ -1 +1 @@\n-S: draft\n+S: approved\n");
    ASSERT_TRUE(c.notes[0].adapter_id);
    EXPECT_EQ(vault_adapter_list(*w).at(0).name, "lora-a");
    ASSERT_EQ(c.audio.size(), 1u);
    EXPECT_EQ(c.audio[0].data, (std::vector<unsigned char>{0, 1, 2, 250}));
    EXPECT_TRUE(vault_audit_verify(*w).ok);
}

TEST(Export, DamagedArchiveIsRefusedAndImportsNothing) {
    temp_dir d;
    const std::string archive = (d.path / "out.clinote").string();
    vault_ptr v = test::make_vault(d.vault());
    fill(*v);
    vault_export_archive(*v, archive, k_pass);
    std::string bytes = test::file_bytes(archive);
    bytes[bytes.size() - 20] ^= 1;
    test::write_bytes(archive, bytes);
    EXPECT_THROW(vault_import_archive(*v, archive, k_pass), error);
    EXPECT_EQ(vault_encounter_list(*v).size(), 2u);
    test::write_bytes(archive, "clinote-archive 1\n{\"kdf\":{}}\n");
    EXPECT_THROW(vault_import_archive(*v, archive, k_pass), error);
}

TEST(Export, MarkdownHasEachEncounterWithTranscriptAndLatestNote) {
    temp_dir d;
    vault_ptr v = test::make_vault(d.vault());
    fill(*v);
    const std::string md = vault_export_markdown(*v);
    EXPECT_NE(md.find("## Encounter 1: first"), std::string::npos);
    EXPECT_NE(md.find("### Transcript (version 2)\n\nDoctor: hi there\n"), std::string::npos);
    EXPECT_NE(md.find("### Note (approved version 2, dr-x)\n\nS: approved\n"), std::string::npos);
    EXPECT_EQ(md.find("S: draft"), std::string::npos);
    EXPECT_NE(md.find("## Encounter 2: second"), std::string::npos);
}

TEST(Export, FhirBundleReferencesResolve) {
    temp_dir d;
    vault_ptr v = test::make_vault(d.vault());
    fill(*v);
    const auto bundle = nlohmann::json::parse(vault_export_fhir(*v));
    EXPECT_EQ(bundle["resourceType"], "Bundle");
    EXPECT_EQ(bundle["type"], "collection");
    std::map<std::string, std::string> type_of;
    for (const auto& e : bundle["entry"]) type_of[e["fullUrl"]] = e["resource"]["resourceType"];
    int docs = 0;
    for (const auto& e : bundle["entry"]) {
        const auto& r = e["resource"];
        if (r.contains("subject")) {
            EXPECT_EQ(type_of[r["subject"]["reference"]], "Patient");
        }
        if (r["resourceType"] == "DocumentReference") {
            docs++;
            EXPECT_EQ(type_of[r["context"]["encounter"][0]["reference"]], "Encounter");
        }
    }
    EXPECT_EQ(docs, 3);  // transcript + note of the first, transcript of the second
    EXPECT_EQ(std::count_if(type_of.begin(), type_of.end(), [](auto& p) { return p.second == "Patient"; }), 1);
}

}  // namespace
}  // namespace clinote
