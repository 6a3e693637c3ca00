// clinote store: the encrypted local vault from the command line. Each command unlocks
// the vault for its own duration and locks it (wiping the key) when it exits; nothing
// stays unlocked between commands.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "store/passphrase_input.h"
#include "store/vault.h"

namespace clinote {

namespace {

struct store_options {
    std::string vault_dir;
    bool passphrase_stdin = false;
    bool recovery = false;
    std::string actor;
    // init / passwd
    std::string kdf_level;
    bool make_recovery_key = false;
    // add
    std::string transcript, note, approved_note, audio, title, patient_name, patient_ref, birth_date, template_name;
    // show
    int64_t encounter_id = 0;
    bool all_versions = false;
    // export / import
    std::string out, in, plaintext;
    bool new_archive_passphrase = false;
};

std::string audio_mime(const std::string& path) {
    const std::string ext = path.substr(path.find_last_of('.') + 1);
    if (ext == "wav") return "audio/wav";
    if (ext == "mp3") return "audio/mpeg";
    if (ext == "flac") return "audio/flac";
    if (ext == "ogg") return "audio/ogg";
    return "application/octet-stream";
}

// One secret: the next line of stdin with --passphrase-stdin, else a prompt without echo.
secret ask(const store_options& o, const std::string& prompt) {
    return o.passphrase_stdin ? passphrase_read_stdin(prompt) : passphrase_prompt(prompt);
}

// A new passphrase: asked twice on a terminal so a typo cannot lock the user out.
secret ask_new(const store_options& o, const std::string& prompt) {
    secret first = ask(o, prompt);
    passphrase_require_strength(first.view(), prompt);
    if (!o.passphrase_stdin) {
        const secret again = ask(o, prompt + " (again)");
        if (again.view() != first.view()) fail(prompt, "the two entries differ");
    }
    return first;
}

// keep_passphrase, when given, receives the passphrase (export reuses it for the archive).
vault_ptr open_vault(const store_options& o, secret* keep_passphrase = nullptr) {
    process_harden();
    vault_options vo;
    vo.actor = o.actor;
    if (o.recovery) {
        const secret rk = ask(o, "Recovery key");
        return vault_open_with_recovery_key(o.vault_dir, rk.view(), vo);
    }
    secret pass = ask(o, "Vault passphrase");
    vault_ptr v = vault_open(o.vault_dir, pass.view(), vo);
    if (keep_passphrase) *keep_passphrase = std::move(pass);
    return v;
}

void run_init(const store_options& o) {
    process_harden();
    vault_create_options co;
    co.kdf = kdf_level_parse(o.kdf_level, "--kdf-level");
    co.recovery_key = o.make_recovery_key;
    const secret pass = ask_new(o, "New vault passphrase");
    vault_options vo;
    vo.actor = o.actor;
    secret rk;
    vault_ptr v = vault_create(o.vault_dir, pass.view(), co, vo, &rk);
    std::printf("created vault %s (Argon2id level %s)\n", o.vault_dir.c_str(), o.kdf_level.c_str());
    if (!rk.empty()) {
        std::fprintf(stderr,
                     "clinote: this recovery key is shown once and stored nowhere readable: write it down and keep it "
                     "apart from the computer. Anyone holding it can open the vault.\n");
        std::fwrite(rk.data, 1, rk.size, stdout);
        std::fputc('\n', stdout);
    }
}

void run_unlock(const store_options& o) {
    vault_ptr v = open_vault(o);
    std::printf("%s: unlocked (passphrase correct, every page readable); locked again as this command exits\n",
                o.vault_dir.c_str());
}

void run_add(const store_options& o) {
    // Everything is checked before the vault is opened: a refused add leaves nothing behind.
    const std::string transcript = file_read(o.transcript);  // vault_transcript_check checks the UTF-8
    vault_transcript_check(transcript, o.transcript);
    vault_birth_date_check(o.birth_date, "--birth-date");
    const std::string note = o.note.empty() ? std::string() : file_read_text(o.note);
    const std::string approved = o.approved_note.empty() ? std::string() : file_read_text(o.approved_note);
    const std::string audio_bytes = o.audio.empty() ? std::string() : file_read(o.audio);
    const std::vector<unsigned char> audio(audio_bytes.begin(), audio_bytes.end());
    vault_ptr v = open_vault(o);
    encounter_record e;
    e.title = o.title;
    if (!o.patient_name.empty() || !o.patient_ref.empty())
        e.patient_id = vault_patient_add(*v, {0, o.patient_ref, o.patient_name, o.birth_date});
    const int64_t id = vault_encounter_add(*v, e);
    vault_transcript_add(*v, id, transcript, o.transcript);
    if (!audio.empty()) vault_audio_add(*v, id, audio_mime(o.audio), audio);
    // A draft's author ends with its template (as the scribe's "clinote:<model>:<template>"), so
    // `clinote improve` can rebuild the prompt an approved version answers.
    if (!note.empty()) vault_note_add_draft(*v, id, note, o.template_name.empty() ? "" : "import:" + o.template_name);
    if (!approved.empty()) vault_note_approve(*v, id, approved, o.actor);
    std::printf("%lld\n", (long long)id);
}

void run_approve(const store_options& o) {
    const std::string approved = file_read_text(o.approved_note);
    vault_ptr v = open_vault(o);
    const note_record n = vault_note_approve(*v, o.encounter_id, approved, o.actor);
    std::printf("encounter %lld: note version %lld approved\n", (long long)o.encounter_id, (long long)n.version);
}

void run_list(const store_options& o) {
    vault_ptr v = open_vault(o);
    std::printf("%-6s %-20s %-11s %-5s %-8s %s\n", "id", "created", "transcripts", "notes", "approved", "title");
    for (const auto& s : vault_encounter_list(*v))
        std::printf("%-6lld %-20s %-11lld %-5lld %-8s %s\n", (long long)s.encounter.id, s.encounter.created_at.c_str(),
                    (long long)s.n_transcripts, (long long)s.n_notes, s.approved ? "yes" : "no",
                    s.encounter.title.c_str());
}

void print_note(const note_record& n, bool with_diff) {
    std::printf("\n--- note version %lld (%s%s%s, %s) ---\n%s\n", (long long)n.version, n.kind.c_str(),
                n.author.empty() ? "" : " by ", n.author.c_str(), n.created_at.c_str(), n.text.c_str());
    if (with_diff && !n.diff.empty()) std::printf("\n--- changes from the draft ---\n%s", n.diff.c_str());
}

void run_show(const store_options& o) {
    vault_ptr v = open_vault(o);
    const encounter_content c = vault_encounter_load(*v, o.encounter_id);
    std::printf("encounter %lld%s%s\ncreated %s\n", (long long)c.encounter.id, c.encounter.title.empty() ? "" : ": ",
                c.encounter.title.c_str(), c.encounter.created_at.c_str());
    if (c.patient)
        std::printf("patient %s%s%s%s%s\n", c.patient->name.c_str(), c.patient->external_ref.empty() ? "" : " (",
                    c.patient->external_ref.c_str(), c.patient->external_ref.empty() ? "" : ")",
                    c.patient->birth_date.empty() ? "" : (", born " + c.patient->birth_date).c_str());
    for (const auto& a : c.audio)
        std::printf("audio %lld: %s, %zu bytes\n", (long long)a.id, a.mime.c_str(), a.data.size());
    for (size_t i = 0; i < c.transcripts.size(); i++) {
        if (!o.all_versions && i + 1 < c.transcripts.size()) continue;
        const auto& t = c.transcripts[i];
        std::printf("\n--- transcript version %lld (%s, %s) ---\n%s\n", (long long)t.version, t.source.c_str(),
                    t.created_at.c_str(), t.text.c_str());
    }
    if (o.all_versions) {
        for (const auto& n : c.notes) print_note(n, true);
    } else {
        // The latest draft and the latest approval: what a clinician needs to see.
        const note_record* draft = nullptr;
        const note_record* approved = nullptr;
        for (const auto& n : c.notes) (n.kind == "draft" ? draft : approved) = &n;
        if (draft) print_note(*draft, false);
        if (approved) print_note(*approved, true);
    }
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) fail(path, "cannot create");
    f << text;
    if (!f.flush()) fail(path, "cannot write");
}

void run_export(const store_options& o) {
    if (!o.plaintext.empty() && o.plaintext != "markdown" && o.plaintext != "fhir")
        fail("--plaintext", "use markdown or fhir");
    if (o.recovery && o.plaintext.empty() && !o.new_archive_passphrase)
        fail("--recovery", "an archive needs a passphrase: add --new-archive-passphrase");
    secret vault_pass;
    vault_ptr v = open_vault(o, &vault_pass);
    if (!o.plaintext.empty()) {
        std::fprintf(stderr, "clinote: warning: %s will hold patient data UNENCRYPTED; protect or delete it\n",
                     o.out.c_str());
        write_text(o.out, o.plaintext == "markdown" ? vault_export_markdown(*v) : vault_export_fhir(*v));
        return;
    }
    if (o.new_archive_passphrase) {
        const secret pass = ask_new(o, "Archive passphrase");
        vault_export_archive(*v, o.out, pass.view());
    } else {
        std::fprintf(stderr, "clinote: the archive is encrypted with the vault passphrase\n");
        vault_export_archive(*v, o.out, vault_pass.view());
    }
    std::printf("wrote %s\n", o.out.c_str());
}

void run_import(const store_options& o) {
    vault_ptr v = open_vault(o);
    const secret pass = ask(o, "Archive passphrase");
    const int64_t n = vault_import_archive(*v, o.in, pass.view());
    std::printf("imported %lld encounters from %s\n", (long long)n, o.in.c_str());
}

void run_verify(const store_options& o) {
    vault_ptr v = open_vault(o);  // opening checks the key file's checksum and every database page
    const audit_report r = vault_audit_verify(*v);
    if (!r.ok) fail(o.vault_dir, r.problem);
    std::printf("%s: ok (key file intact, every page decrypts and authenticates, audit log of %lld entries unbroken)\n",
                o.vault_dir.c_str(), (long long)r.n_entries);
}

void run_passwd(const store_options& o) {
    vault_ptr v = open_vault(o);
    const secret pass = ask_new(o, "New vault passphrase");
    std::optional<kdf_level> level;
    if (!o.kdf_level.empty()) level = kdf_level_parse(o.kdf_level, "--kdf-level");
    vault_change_passphrase(*v, pass.view(), level);
    std::printf("%s: passphrase changed (the data key was rewrapped; the old passphrase no longer opens it)\n",
                o.vault_dir.c_str());
}

CLI::App* add_verb(CLI::App* store, store_options& o, const char* name, const char* help) {
    CLI::App* cmd = store->add_subcommand(name, help);
    cmd->add_option("--vault", o.vault_dir, "The vault folder (holds vault.db and vault.key)")->required();
    cmd->add_flag("--passphrase-stdin", o.passphrase_stdin,
                  "Read secrets from standard input, one line each, instead of prompting without echo on the terminal");
    cmd->add_option("--actor", o.actor, "Name recorded in the audit log for this command (default: $USER)");
    return cmd;
}

void add_recovery_flag(CLI::App* cmd, store_options& o) {
    cmd->add_flag("--recovery", o.recovery, "Open with the recovery key instead of the passphrase");
}

}  // namespace

void add_store_command(CLI::App& app) {
    auto o = std::make_shared<store_options>();
    CLI::App* store = app.add_subcommand(
        "store",
        "Encrypted local vault for encounters, audio, transcripts and notes.\n"
        "Each command asks for the passphrase, unlocks the vault for its own duration, and locks it (wiping the key "
        "from memory) when it exits, also on Ctrl-C or SIGTERM. Nothing stays unlocked between commands.");
    store->require_subcommand(1);

    CLI::App* init = add_verb(store, *o, "init", "Create a new vault (asks for a new passphrase)");
    init->add_option("--kdf-level", o->kdf_level,
                     "Argon2id cost: interactive (64 MiB), moderate (256 MiB, default), sensitive (1 GiB); "
                     "min is for tests only")
        ->default_val("moderate");
    init->add_flag("--recovery-key", o->make_recovery_key,
                   "Also create a recovery key, printed once on stdout, that opens the vault if the passphrase is lost");
    init->callback([o] { run_init(*o); });

    CLI::App* unlock = add_verb(store, *o, "unlock",
                                "Check the passphrase and the vault's integrity. The vault is locked again when this "
                                "command exits: each command unlocks for its own duration");
    add_recovery_flag(unlock, *o);
    unlock->callback([o] { run_unlock(*o); });

    CLI::App* lock = store->add_subcommand(
        "lock",
        "Explain locking. The command-line tool never leaves a vault unlocked, so there is nothing to lock; a "
        "long-running process (the server) locks on request, after its idle timeout and on exit");
    lock->add_option("--vault", o->vault_dir, "The vault folder");
    lock->callback([] {
        std::printf("nothing to lock: every clinote store command locks the vault and wipes the key when it exits. "
                    "A running server locks its own session after its idle timeout, on request and on exit.\n");
    });

    CLI::App* add = add_verb(store, *o, "add", "Store an encounter: its transcript, and optionally a draft note, an "
                                               "approved note and audio; prints the new encounter id");
    add->add_option("--transcript", o->transcript, "Transcript file (UTF-8 text)")->required();
    add->add_option("--note", o->note, "Draft note file (UTF-8 text)");
    add->add_option("--approved-note", o->approved_note,
                    "Clinician-approved note file; its diff from the draft is stored with it");
    add->add_option("--audio", o->audio, "Recording to keep with the encounter (stored encrypted in the vault)");
    add->add_option("--template", o->template_name,
                    "The template the notes follow (soap, hp, ... or the vault's own), so `clinote improve` can learn "
                    "from the approved note");
    add->add_option("--title", o->title, "Short title (avoid putting patient details here)");
    add->add_option("--patient-name", o->patient_name, "Patient name (optional)");
    add->add_option("--patient-ref", o->patient_ref, "The practice's patient identifier (optional)");
    add->add_option("--birth-date", o->birth_date, "Patient birth date, YYYY-MM-DD (optional)");
    add->callback([o] { run_add(*o); });

    CLI::App* approve = add_verb(store, *o, "approve",
                                 "Store the clinician-approved version of an encounter's note (its diff from the latest "
                                 "draft is kept with it)");
    approve->add_option("id", o->encounter_id, "Encounter id (from list)")->required();
    approve->add_option("--note", o->approved_note, "The approved note (UTF-8 text)")->required();
    approve->callback([o] { run_approve(*o); });

    CLI::App* list = add_verb(store, *o, "list", "List encounters (id, date, counts, whether a note was approved)");
    add_recovery_flag(list, *o);
    list->callback([o] { run_list(*o); });

    CLI::App* show = add_verb(store, *o, "show", "Print one encounter: latest transcript, draft and approved note");
    show->add_option("id", o->encounter_id, "Encounter id (from list)")->required();
    show->add_flag("--all-versions", o->all_versions, "Print every transcript and note version with its diff");
    add_recovery_flag(show, *o);
    show->callback([o] { run_show(*o); });

    CLI::App* exp = add_verb(store, *o, "export",
                             "Write every encounter to one encrypted archive (for `store import`), or, with "
                             "--plaintext, to an UNENCRYPTED Markdown or FHIR JSON file");
    exp->add_option("--out", o->out, "Output file")->required();
    exp->add_option("--plaintext", o->plaintext, "markdown or fhir: write unencrypted (a warning is printed)");
    exp->add_flag("--new-archive-passphrase", o->new_archive_passphrase,
                  "Encrypt the archive with a passphrase asked for now instead of the vault's");
    add_recovery_flag(exp, *o);
    exp->callback([o] { run_export(*o); });

    CLI::App* imp = add_verb(store, *o, "import",
                             "Add every encounter of an encrypted archive as new encounters (asks for the vault "
                             "passphrase, then the archive's)");
    imp->add_option("--in", o->in, "Archive written by `store export`")->required();
    add_recovery_flag(imp, *o);
    imp->callback([o] { run_import(*o); });

    CLI::App* verify = add_verb(store, *o, "verify",
                                "Check the key file checksum, every database page, and the audit log's hash chain "
                                "(detects an edited, deleted or reordered entry); exits 1 on any problem");
    add_recovery_flag(verify, *o);
    verify->callback([o] { run_verify(*o); });

    CLI::App* passwd = add_verb(store, *o, "passwd",
                                "Change the passphrase (asks for the current one, or the recovery key with "
                                "--recovery, then the new one). Only the data key is rewrapped");
    passwd->add_option("--kdf-level", o->kdf_level, "New Argon2id cost (interactive, moderate, sensitive; min for tests)");
    add_recovery_flag(passwd, *o);
    passwd->callback([o] { run_passwd(*o); });
}

}  // namespace clinote
