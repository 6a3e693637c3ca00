// Export (encrypted archive, Markdown, FHIR JSON) and import of an archive.
#include <sqlite3.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "core/error.h"
#include "core/file.h"
#include "core/json_int.h"
#include "core/utc_time.h"
#include "core/utf8.h"
#include "store/audit_log.h"
#include "store/sql.h"
#include "store/vault_internal.h"

namespace clinote {

namespace {

using json = nlohmann::json;

constexpr const char* k_archive_magic = "clinote-archive 1\n";

std::string to_hex(const unsigned char* p, size_t n) {
    std::string out(n * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), p, n);
    out.pop_back();
    return out;
}

std::vector<unsigned char> from_hex(const json& j, size_t n, const std::string& where) {
    std::vector<unsigned char> out(n);
    size_t got = 0;
    const std::string s = j.is_string() ? j.get<std::string>() : std::string();
    if (s.size() != 2 * n || sodium_hex2bin(out.data(), n, s.data(), s.size(), nullptr, &got, nullptr) != 0 || got != n)
        fail(where, "damaged archive header");
    return out;
}

std::string to_base64(const unsigned char* p, size_t n) {
    std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
    out.pop_back();
    return out;
}

std::string to_base64(std::string_view s) { return to_base64(reinterpret_cast<const unsigned char*>(s.data()), s.size()); }

std::vector<unsigned char> from_base64(const std::string& s, const std::string& where) {
    std::vector<unsigned char> out(s.size() / 4 * 3 + 3);
    size_t n = 0;
    if (sodium_base642bin(out.data(), out.size(), s.data(), s.size(), nullptr, &n, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        fail(where, "audio data is not valid base64");
    out.resize(n);
    return out;
}

void wipe(std::string& s) {
    sodium_memzero(s.data(), s.size());
    s.clear();
}

// The archive payload: every encounter with all versions. Note ids become versions, so
// an approval's link to its draft survives import into another vault.
json content_to_json(const encounter_content& c, const std::map<int64_t, adapter_record>& adapters) {
    json e = {{"title", c.encounter.title}, {"created_at", c.encounter.created_at}, {"patient", nullptr}};
    if (c.patient)
        e["patient"] = {{"external_ref", c.patient->external_ref}, {"name", c.patient->name},
                        {"birth_date", c.patient->birth_date}};
    e["transcripts"] = json::array();
    for (const auto& t : c.transcripts)
        e["transcripts"].push_back({{"version", t.version}, {"text", t.text}, {"source", t.source}, {"created_at", t.created_at}});
    std::map<int64_t, int64_t> version_of;
    for (const auto& n : c.notes) version_of[n.id] = n.version;
    e["notes"] = json::array();
    for (const auto& n : c.notes) {
        json j = {{"version", n.version}, {"kind", n.kind},     {"text", n.text},           {"diff", n.diff},
                  {"author", n.author},   {"based_on", nullptr}, {"adapter", nullptr}, {"created_at", n.created_at}};
        if (n.based_on && version_of.count(*n.based_on)) j["based_on"] = version_of[*n.based_on];
        if (n.adapter_id && adapters.count(*n.adapter_id)) {
            const adapter_record& ad = adapters.at(*n.adapter_id);
            j["adapter"] = {{"name", ad.name}, {"sha256", ad.sha256}};
        }
        e["notes"].push_back(std::move(j));
    }
    e["audio"] = json::array();
    for (const auto& au : c.audio)
        e["audio"].push_back({{"mime", au.mime}, {"data", to_base64(au.data.data(), au.data.size())}, {"created_at", au.created_at}});
    return e;
}

std::map<int64_t, adapter_record> adapters_by_id(vault_access& a) {
    std::map<int64_t, adapter_record> out;
    sql_stmt s(a.db, "SELECT id, name, sha256, created_at FROM adapters", a.where());
    while (s.step()) out[s.col_int(0)] = {s.col_int(0), s.col_text(1), s.col_text(2), s.col_text(3)};
    return out;
}

std::vector<encounter_content> all_content(vault_access& a) {
    std::vector<encounter_content> out;
    for (int64_t id : encounter_ids(a)) out.push_back(encounter_content_read(a, id));
    return out;
}

const note_record* latest_note(const encounter_content& c) {
    const note_record* best = nullptr;
    for (const auto& n : c.notes)
        if (!best || (n.kind == "approved") > (best->kind == "approved") ||
            ((n.kind == "approved") == (best->kind == "approved") && n.version > best->version))
            best = &n;
    return best;
}

std::string text_of(const json& j, const char* field, const std::string& where) {
    if (!j.contains(field) || !j[field].is_string()) fail(where, std::string("field '") + field + "' is missing");
    std::string s = j[field].get<std::string>();
    utf8_require(s, where + ": " + field);
    return s;
}

int64_t import_encounter(vault_access& a, const json& e, const std::string& where) {
    std::optional<int64_t> patient_id;
    if (e.contains("patient") && e["patient"].is_object()) {
        const json& p = e["patient"];
        sql_stmt s(a.db, "INSERT INTO patients(external_ref, name, birth_date) VALUES (?,?,?)", a.where());
        const std::string birth_date = text_of(p, "birth_date", where);
        vault_birth_date_check(birth_date, where + ": birth_date");
        s.bind(1, text_of(p, "external_ref", where)).bind(2, text_of(p, "name", where)).bind(3, birth_date).run();
        patient_id = sqlite3_last_insert_rowid(a.db);
    }
    sql_stmt enc(a.db, "INSERT INTO encounters(patient_id, title, created_at) VALUES (?,?,?)", a.where());
    enc.bind(1, patient_id).bind(2, text_of(e, "title", where)).bind(3, text_of(e, "created_at", where)).run();
    const int64_t id = sqlite3_last_insert_rowid(a.db);
    for (const json& t : e.value("transcripts", json::array())) {
        sql_stmt s(a.db, "INSERT INTO transcripts(encounter_id, version, text, source, created_at) VALUES (?,?,?,?,?)",
                   a.where());
        s.bind(1, id).bind(2, json_int<int64_t>(t.at("version"), where + ": version")).bind(3, text_of(t, "text", where));
        s.bind(4, text_of(t, "source", where)).bind(5, text_of(t, "created_at", where)).run();
    }
    std::map<int64_t, int64_t> note_id_of_version;
    for (const json& n : e.value("notes", json::array())) {
        std::optional<int64_t> based_on, adapter_id;
        if (n.contains("based_on") && n["based_on"].is_number_integer()) {
            const auto it = note_id_of_version.find(json_int<int64_t>(n["based_on"], where + ": based_on"));
            if (it != note_id_of_version.end()) based_on = it->second;
        }
        if (n.contains("adapter") && n["adapter"].is_object()) {
            sql_stmt s(a.db, "INSERT INTO adapters(name, sha256, created_at) VALUES (?,?,?)", a.where());
            s.bind(1, text_of(n["adapter"], "name", where)).bind(2, text_of(n["adapter"], "sha256", where)).bind(3, utc_now()).run();
            adapter_id = sqlite3_last_insert_rowid(a.db);
        }
        const int64_t version = json_int<int64_t>(n.at("version"), where + ": version");
        sql_stmt s(a.db,
                   "INSERT INTO notes(encounter_id, version, kind, text, diff, author, based_on, adapter_id, created_at)"
                   " VALUES (?,?,?,?,?,?,?,?,?)",
                   a.where());
        s.bind(1, id).bind(2, version).bind(3, text_of(n, "kind", where)).bind(4, text_of(n, "text", where));
        s.bind(5, text_of(n, "diff", where)).bind(6, text_of(n, "author", where)).bind(7, based_on).bind(8, adapter_id);
        s.bind(9, text_of(n, "created_at", where)).run();
        note_id_of_version[version] = sqlite3_last_insert_rowid(a.db);
    }
    for (const json& au : e.value("audio", json::array())) {
        const std::vector<unsigned char> data = from_base64(text_of(au, "data", where), where);
        sql_stmt s(a.db, "INSERT INTO audio(encounter_id, mime, data, created_at) VALUES (?,?,?,?)", a.where());
        s.bind(1, id).bind(2, text_of(au, "mime", where)).bind_blob(3, data.data(), data.size());
        s.bind(4, text_of(au, "created_at", where)).run();
    }
    return id;
}

std::string new_uuid() {
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (b[6] & 0x0f) | 0x40;  // version 4
    b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
    const std::string h = to_hex(b, sizeof b);
    return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" +
           h.substr(20);
}

json document_reference(const std::string& subject, const std::string& encounter, const std::string& type,
                        const std::string& doc_status, const std::string& date, const std::string& text) {
    json d = {{"resourceType", "DocumentReference"},
              {"status", "current"},
              {"docStatus", doc_status},
              {"type", {{"text", type}}},
              {"date", date},
              {"context", {{"encounter", json::array({{{"reference", encounter}}})}}},
              {"content", json::array({{{"attachment", {{"contentType", "text/plain; charset=utf-8"}, {"data", to_base64(text)}}}}})}};
    if (!subject.empty()) d["subject"] = {{"reference", subject}};
    return d;
}

}  // namespace

void vault_export_archive(vault& v, const std::string& path, std::string_view passphrase) {
    vault_access a(v);
    std::string payload;
    {
        sql_transaction tx(a.db, a.where());
        const auto adapters = adapters_by_id(a);
        json encounters = json::array();
        for (const auto& c : all_content(a)) encounters.push_back(content_to_json(c, adapters));
        json templates = json::array();
        sql_stmt s(a.db, "SELECT name, json, updated_at FROM templates ORDER BY name", a.where());
        while (s.step()) templates.push_back({{"name", s.col_text(0)}, {"json", s.col_text(1)}, {"updated_at", s.col_text(2)}});
        payload = json{{"encounters", encounters}, {"templates", templates}}.dump();
        audit_append(a.db, v.actor, "vault.export", "archive", a.where());
        tx.commit();
    }
    std::vector<unsigned char> salt(k_kdf_salt_bytes), nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    randombytes_buf(salt.data(), salt.size());
    randombytes_buf(nonce.data(), nonce.size());
    const json header = {{"kdf", {{"alg", "argon2id13"}, {"opslimit", v.keys.kdf.opslimit}, {"memlimit", v.keys.kdf.memlimit},
                                  {"salt", to_hex(salt.data(), salt.size())}}},
                         {"nonce", to_hex(nonce.data(), nonce.size())},
                         {"created_at", utc_now()}};
    const std::string head = std::string(k_archive_magic) + header.dump() + "\n";
    const secret key = kdf_derive(passphrase, salt.data(), v.keys.kdf);
    std::string out = head;
    out.resize(head.size() + payload.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long n = 0;
    // The header is the associated data: its KDF limits and salt cannot be altered unnoticed.
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data() + head.size()), &n,
                                               reinterpret_cast<const unsigned char*>(payload.data()), payload.size(),
                                               reinterpret_cast<const unsigned char*>(head.data()), head.size(), nullptr,
                                               nonce.data(), key.data);
    wipe(payload);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f) fail(tmp, "cannot create");
        f.write(out.data(), std::streamsize(out.size()));
        if (!f.flush()) fail(tmp, "cannot write");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail(path, "cannot replace");
}

int64_t vault_import_archive(vault& v, const std::string& path, std::string_view passphrase) {
    const std::string data = file_read(path);
    const size_t magic_len = std::string_view(k_archive_magic).size();
    if (data.compare(0, magic_len, k_archive_magic) != 0) fail(path, "not a clinote archive");
    const size_t header_end = data.find('\n', magic_len);
    if (header_end == std::string::npos) fail(path, "damaged archive: no header");
    json header;
    try {
        header = json::parse(data.substr(magic_len, header_end - magic_len));
    } catch (const json::exception&) {
        fail(path, "damaged archive: the header is not JSON");
    }
    kdf_params kdf;
    std::vector<unsigned char> salt, nonce;
    try {
        kdf.opslimit = json_int<uint64_t>(header.at("kdf").at("opslimit"), "kdf.opslimit");
        kdf.memlimit = json_int<uint64_t>(header.at("kdf").at("memlimit"), "kdf.memlimit");
        salt = from_hex(header.at("kdf").at("salt"), k_kdf_salt_bytes, path);
        nonce = from_hex(header.at("nonce"), crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, path);
    } catch (const json::exception&) {
        fail(path, "damaged archive header");
    }
    kdf_params_require_valid(kdf, path);
    const size_t head_len = header_end + 1;
    if (data.size() < head_len + crypto_aead_xchacha20poly1305_ietf_ABYTES) fail(path, "damaged archive: truncated");
    const secret key = kdf_derive(passphrase, salt.data(), kdf);
    std::string payload(data.size() - head_len - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
    unsigned long long n = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(payload.data()), &n, nullptr,
                                                   reinterpret_cast<const unsigned char*>(data.data() + head_len),
                                                   data.size() - head_len,
                                                   reinterpret_cast<const unsigned char*>(data.data()), head_len,
                                                   nonce.data(), key.data) != 0)
        fail(path, "wrong passphrase or damaged archive");
    json doc;
    try {
        doc = json::parse(payload);
    } catch (const json::exception&) {
        wipe(payload);
        fail(path, "damaged archive: the contents are not JSON");
    }
    wipe(payload);
    if (!doc.contains("encounters") || !doc["encounters"].is_array()) fail(path, "archive has no encounter list");

    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    int64_t count = 0;
    try {
        for (const json& e : doc["encounters"]) {
            const std::string where = path + ": encounter " + std::to_string(count + 1);
            const int64_t id = import_encounter(a, e, where);
            audit_append(a.db, v.actor, "encounter.import", "encounter:" + std::to_string(id), a.where());
            count++;
        }
        // Templates the vault does not have yet; one it has keeps its own text.
        for (const json& t : doc.value("templates", json::array())) {
            sql_stmt s(a.db, "INSERT OR IGNORE INTO templates(name, json, updated_at) VALUES (?,?,?)", a.where());
            s.bind(1, t.at("name").get<std::string>()).bind(2, t.at("json").get<std::string>())
                .bind(3, t.at("updated_at").get<std::string>()).run();
            if (sqlite3_changes(a.db) > 0)
                audit_append(a.db, v.actor, "template.import", "template:" + t.at("name").get<std::string>(), a.where());
        }
    } catch (const json::exception& e) {
        fail(path, std::string("damaged archive: ") + e.what());
    }
    audit_append(a.db, v.actor, "vault.import", "archive", a.where());
    tx.commit();
    return count;
}

std::string vault_export_markdown(vault& v) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    std::string md = "# clinote vault export\n\nExported " + utc_now() + ". This file is NOT encrypted.\n";
    for (const auto& c : all_content(a)) {
        md += "\n## Encounter " + std::to_string(c.encounter.id) + (c.encounter.title.empty() ? "" : ": " + c.encounter.title) + "\n\n";
        md += "- Created: " + c.encounter.created_at + "\n";
        if (c.patient) {
            md += "- Patient: " + c.patient->name;
            if (!c.patient->external_ref.empty()) md += " (" + c.patient->external_ref + ")";
            if (!c.patient->birth_date.empty()) md += ", born " + c.patient->birth_date;
            md += "\n";
        }
        if (!c.transcripts.empty()) {
            const auto& t = c.transcripts.back();
            md += "\n### Transcript (version " + std::to_string(t.version) + ")\n\n" + t.text + "\n";
        }
        if (const note_record* n = latest_note(c)) {
            md += "\n### Note (" + n->kind + " version " + std::to_string(n->version) +
                  (n->author.empty() ? "" : ", " + n->author) + ")\n\n" + n->text + "\n";
        }
    }
    audit_append(a.db, v.actor, "vault.export", "markdown", a.where());
    tx.commit();
    return md;
}

std::string vault_export_fhir(vault& v) {
    vault_access a(v);
    sql_transaction tx(a.db, a.where());
    json entries = json::array();
    std::map<int64_t, std::string> patient_url;
    for (const auto& c : all_content(a)) {
        std::string subject;
        if (c.patient) {
            auto it = patient_url.find(c.patient->id);
            if (it == patient_url.end()) {
                it = patient_url.emplace(c.patient->id, new_uuid()).first;
                json p = {{"resourceType", "Patient"}, {"name", json::array({{{"text", c.patient->name}}})}};
                if (!c.patient->external_ref.empty())
                    p["identifier"] = json::array({{{"value", c.patient->external_ref}}});
                if (!c.patient->birth_date.empty()) p["birthDate"] = c.patient->birth_date;
                entries.push_back({{"fullUrl", it->second}, {"resource", p}});
            }
            subject = it->second;
        }
        const std::string enc_url = new_uuid();
        json enc = {{"resourceType", "Encounter"},
                    {"status", "finished"},
                    {"class", {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"}, {"code", "AMB"}, {"display", "ambulatory"}}},
                    {"identifier", json::array({{{"system", "urn:clinote:encounter"}, {"value", std::to_string(c.encounter.id)}}})},
                    {"period", {{"start", c.encounter.created_at}}}};
        if (!subject.empty()) enc["subject"] = {{"reference", subject}};
        entries.push_back({{"fullUrl", enc_url}, {"resource", enc}});
        if (!c.transcripts.empty()) {
            const auto& t = c.transcripts.back();
            entries.push_back({{"fullUrl", new_uuid()},
                               {"resource", document_reference(subject, enc_url, "Transcript", "final", t.created_at, t.text)}});
        }
        if (const note_record* n = latest_note(c))
            entries.push_back({{"fullUrl", new_uuid()},
                               {"resource", document_reference(subject, enc_url, "Clinical note",
                                                               n->kind == "approved" ? "final" : "preliminary",
                                                               n->created_at, n->text)}});
    }
    audit_append(a.db, v.actor, "vault.export", "fhir", a.where());
    tx.commit();
    const json bundle = {{"resourceType", "Bundle"}, {"type", "collection"}, {"timestamp", utc_now()}, {"entry", entries}};
    return bundle.dump(2);
}

}  // namespace clinote
