// The clinician's page: unlock, encounters, transcript, template, streamed draft, edit with
// the review's flags (what the transcript does not support, loops, copied instructions,
// empty sections) and approve, the approved note with its diff from the draft, exports. An
// error is shown next to the action that caused it (and in the header's status line). Every control is a native button, input or
// select, so the whole page works from the keyboard.
import * as api from "./api.js";
import { dictationSetup } from "./dictate.js";

const $ = (id) => document.getElementById(id);
let current = null;     // the open encounter, as GET /api/encounters/{id} returns it
let generating = null;  // AbortController of the running generation

function status(text) { $("status").textContent = text; }

// An action's error, in its own line beside the action; the header's status line repeats it.
function actionError(id, text) {
  $(id).textContent = text;
  if (text) status("error: " + text);
}

function show(screen) {
  $("unlock-screen").hidden = screen !== "unlock";
  $("main-screen").hidden = screen !== "main";
  $("lock-btn").hidden = screen !== "main";
}

async function start() {
  const health = await api.get("/health");
  $("model-name").textContent = "model: " + health.model;
  $("token-row").hidden = !health.auth_required;
  if (!health.vault_configured) {
    $("unlock-hint").textContent = "This server has no vault (start it with --vault DIR).";
  }
  if (health.vault_unlocked && !health.auth_required) return openMain();
  if (health.auth_required && sessionStorage.getItem("clinote-token")) {
    try { if ((await api.get("/api/vault")).unlocked) return openMain(); } catch (_) { /* ask again */ }
  }
  await showUnlock();
}

async function showUnlock() {
  // The form is filled in (create a vault or open one) before it is shown, so what the user
  // sees first is already right.
  try {
    const v = await api.get("/api/vault");
    $("create-row").hidden = v.exists;
    $("create").checked = !v.exists;
  } catch (_) { /* the token is still missing */ }
  show("unlock");
  $("passphrase").value = "";
  $(($("token-row").hidden || $("token").value) ? "passphrase" : "token").focus();
}

$("unlock-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("unlock-error").textContent = "";
  if ($("create").checked && $("passphrase").value.length < 8) {
    $("unlock-error").textContent = "A new vault's passphrase needs at least 8 characters (a few random words are best).";
    $("passphrase").focus();
    return;
  }
  if (!$("token-row").hidden) api.setToken($("token").value);
  try {
    await api.send("POST", "/api/vault/unlock", { passphrase: $("passphrase").value, create: $("create").checked });
    $("passphrase").value = "";
    await openMain();
  } catch (err) {
    $("unlock-error").textContent = err.message;
    $("passphrase").select();
  }
});

$("lock-btn").addEventListener("click", async () => {
  await api.send("POST", "/api/vault/lock", {});
  current = null;
  $("encounter").hidden = true;
  await showUnlock();
});

async function openMain() {
  show("main");
  // Every base and base+adapter the server offers; the one notes use by default first chosen.
  const [health, models] = await Promise.all([api.get("/health"), api.get("/v1/models")]);
  if (health.note_backend) {
    // serve --backend: the backend's model writes every note; nothing to pick here.
    const b = health.note_backend;
    $("note-model").replaceChildren(new Option("backend: " + (b.model || "its default") + " at " + b.url, ""));
    $("note-model").disabled = true;
  } else {
    $("note-model").replaceChildren(...models.data.map((m) => new Option(m.id, m.id, false, m.id === health.note_model)));
  }
  await refreshTemplates();
  await refreshList();
  $("new-title").focus();
}

// The built-in templates and the vault's own ("yours"); `choose` selects one by name.
let customTemplates = [];
const exampleTemplate = {
  name: "wound_care", title: "Wound care note",
  sections: [
    { title: "HISTORY", instruction: "cause and age of the wound, treatment so far, pain", covers: ["history_of_present_illness"] },
    { title: "WOUND ASSESSMENT", instruction: "location, size in cm, wound bed, exudate, surrounding skin", covers: ["physical_exam"] },
    { title: "PLAN", instruction: "dressing and its change interval, antibiotics if any, follow-up", covers: ["plan", "assessment"] },
  ],
};
async function refreshTemplates(choose) {
  const templates = (await api.get("/api/templates")).data;
  customTemplates = templates.filter((t) => t.custom);
  const previous = choose || $("template").value;
  $("template").replaceChildren(
    ...templates.map((t) => new Option((t.title || t.name) + (t.custom ? " (yours)" : ""), t.name)),
    new Option("ClinicalSummary JSON (structured)", "summary"));
  if (previous && [...$("template").options].some((o) => o.value === previous)) $("template").value = previous;
  if (!$("template-json").value) $("template-json").value = JSON.stringify(exampleTemplate, null, 2);
}

$("template").addEventListener("change", () => {
  const mine = customTemplates.find((t) => t.name === $("template").value);
  if (mine) {
    const { custom, ...json } = mine;
    $("template-json").value = JSON.stringify(json, null, 2);
  }
});

$("template-save").addEventListener("click", async () => {
  actionError("template-error", "");
  let t;
  try { t = JSON.parse($("template-json").value); } catch (err) { actionError("template-error", "not JSON: " + err.message); return; }
  if (!t || typeof t.name !== "string" || !t.name) { actionError("template-error", "the template needs a \"name\""); return; }
  try {
    await api.send("PUT", "/api/templates/" + encodeURIComponent(t.name), t);
    await refreshTemplates(t.name);
    status("template " + t.name + " saved");
  } catch (err) { actionError("template-error", err.message); }
});

$("template-delete").addEventListener("click", async () => {
  actionError("template-error", "");
  const name = $("template").value;
  if (!customTemplates.some((t) => t.name === name)) { actionError("template-error", "choose one of your templates in the Template list"); return; }
  if (!confirm("Delete the template " + name + "?")) return;
  try {
    await api.send("DELETE", "/api/templates/" + encodeURIComponent(name));
    await refreshTemplates("soap");
    status("template " + name + " deleted");
  } catch (err) { actionError("template-error", err.message); }
});

async function refreshList() {
  const list = (await api.get("/api/encounters")).data;
  $("encounter-list").replaceChildren(...list.map((e) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = (e.title || "Encounter " + e.id) + " ";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = e.approved ? "approved" : e.n_notes ? "draft" : "";
    b.append(badge);
    b.dataset.id = e.id;
    b.setAttribute("aria-current", current && current.id === e.id ? "true" : "false");
    b.addEventListener("click", () => openEncounter(e.id));
    li.append(b);
    return li;
  }));
}

function latest(kind) {
  const notes = current.notes.filter((n) => n.kind === kind);
  return notes.length ? notes[notes.length - 1] : null;
}

function render() {
  $("empty-hint").hidden = true;
  $("encounter").hidden = false;
  $("encounter-title").textContent = current.title || "Encounter " + current.id;
  const t = current.transcripts[current.transcripts.length - 1];
  $("transcript").value = t ? t.text : "";
  $("transcript-version").textContent = t ? "version " + t.version + ", " + t.created_at : "not saved yet";
  const draft = latest("draft"), approved = latest("approved");
  $("draft").replaceChildren();
  $("draft").hidden = true;
  for (const id of ["transcript-error", "generate-error", "approve-error", "approved-error", "export-error"]) $(id).textContent = "";
  $("approved").innerHTML = approved ? approved.html : "";
  $("diff").textContent = approved ? approved.diff || "(no changes)" : "";
  $("editor").value = approved && (!draft || approved.version > draft.version) ? approved.text : draft ? draft.text : "";
  $("versions").replaceChildren(...current.notes.map((n) => {
    const li = document.createElement("li");
    li.textContent = n.kind + " v" + n.version + " by " + n.author + ", " + n.created_at;
    return li;
  }));
  $("export-preview").textContent = "";
  $("export-download").hidden = true;
  review();
}

// The review's offsets are UTF-8 bytes; the editor counts UTF-16 code units.
function charIndex(text, byteOffset) {
  return new TextDecoder().decode(new TextEncoder().encode(text).slice(0, byteOffset)).length;
}

let reviewTimer = null;
let reviewSeq = 0;
// Reviews the editor's text against the latest transcript and lists the flags; a flag's
// button selects its words in the editor. The Approve button says how many are left.
async function review() {
  const text = $("editor").value;
  const seq = ++reviewSeq;
  if (!current || !text.trim() || !current.transcripts.length) {
    $("review-summary").textContent = "";
    $("flags").replaceChildren();
    $("provenance").replaceChildren();
    $("approve").textContent = "Approve";
    return;
  }
  const choice = $("template").value;
  const body = { text };
  if (choice === "summary") body.format = "summary"; else body.template = choice;
  let r;
  try {
    r = await api.send("POST", "/api/encounters/" + current.id + "/review", body);
  } catch (err) { $("review-summary").textContent = "review failed: " + err.message; return; }
  if (seq !== reviewSeq) return;  // the text changed while this review ran
  const n = r.flags.length;
  $("review-summary").textContent = n ? n + (n === 1 ? " statement needs" : " statements need") + " a look before approval (" +
    r.facts_checked + " facts checked)." : "No flags: every checked fact (" + r.facts_checked + ") is in the transcript.";
  $("approve").textContent = n ? "Approve (" + n + (n === 1 ? " flag" : " flags") + " left)" : "Approve";
  $("flags").replaceChildren(...r.flags.map((f) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = f.kind.replace("_", " ");
    b.append(kind, (f.end > f.begin ? "\u201c" + f.text + "\u201d, line " + f.note_line + ": " : "") + f.reason);
    b.addEventListener("click", () => {
      const editor = $("editor");
      editor.focus();
      if (f.end > f.begin) editor.setSelectionRange(charIndex(editor.value, f.begin), charIndex(editor.value, f.end));
    });
    li.append(b);
    return li;
  }));
  $("provenance").replaceChildren(...r.support.map((s) => {
    const li = document.createElement("li");
    const q = document.createElement("q");
    q.textContent = s.transcript;
    li.append("\u201c" + s.text + "\u201d: transcript line " + s.line + " ", q);
    return li;
  }));
}

$("editor").addEventListener("input", () => {
  clearTimeout(reviewTimer);
  reviewTimer = setTimeout(review, 600);
});

async function openEncounter(id) {
  current = await api.get("/api/encounters/" + id);
  render();
  await refreshList();
  $("transcript").focus();
}

$("new-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const created = await api.send("POST", "/api/encounters", { title: $("new-title").value.trim() });
  $("new-title").value = "";
  await openEncounter(created.id);
});

$("save-transcript").addEventListener("click", async () => {
  actionError("transcript-error", "");
  try { await saveTranscript(); } catch (err) { actionError("transcript-error", err.message); }
});
async function saveTranscript() {
  const text = $("transcript").value;
  const saved = current.transcripts[current.transcripts.length - 1];
  if (saved && saved.text === text) return;
  if (!text.trim()) throw new Error("the transcript is empty");
  await api.send("POST", "/api/encounters/" + current.id + "/transcripts", { text });
  current = await api.get("/api/encounters/" + current.id);
  render();
  status("transcript saved");
}

dictationSetup({ button: $("dictate"), label: $("dictate-status"), encounterId: () => current.id, transcript: $("transcript"),
                 onStored: () => openEncounter(current.id), status });

$("transcript-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (file) $("transcript").value = await file.text();
});

$("generate").addEventListener("click", () => generate());
// The ClinicalSummary extracted from the approved note (not the transcript): it fills the
// editor as a JSON draft, for review and approval before the summary and FHIR exports.
$("extract-summary").addEventListener("click", () => {
  $("template").value = "summary";
  generate({ source: "approved" });
});
async function generate(extra = {}) {
  actionError("generate-error", "");
  try {
    await saveTranscript();
  } catch (err) { actionError("transcript-error", err.message); return; }
  const choice = $("template").value;
  const body = { stream: true, max_tokens: Number($("max-tokens").value) || 400, ...extra };
  if ($("note-model").value) body.model = $("note-model").value;
  if (choice === "summary") body.format = "summary"; else body.template = choice;
  generating = new AbortController();
  $("generate").disabled = true;
  $("cancel").hidden = false;
  $("progress").hidden = false;
  $("draft").textContent = "";
  $("draft").hidden = false;
  let text = "";
  status("waiting for the model…");
  try {
    await api.stream("/api/encounters/" + current.id + "/notes", body, (ev) => {
      if (ev.error) throw new Error(ev.error.message);
      if (ev.delta !== undefined) {
        text += ev.delta;
        $("draft").innerHTML = ev.html;
        $("progress").value = ev.tokens_done / ev.tokens_max;
        status("writing… " + ev.tokens_done + " / " + ev.tokens_max + " tokens");
      }
      if (ev.note) {
        const st = ev.stats;
        status("draft saved (version " + ev.note.version + ")" + (st && st.decode_s > 0
          ? ` — ${st.generated_tokens} tokens in ${(st.prefill_s + st.decode_s).toFixed(1)} s` +
            ` (reading ${Math.round(st.prompt_tokens_per_s)}, writing ${Math.round(st.generated_tokens_per_s)} tokens/s)` : ""));
      }
      if (ev.finish_reason === "cancelled") status("cancelled");
    }, generating.signal);
    current = await api.get("/api/encounters/" + current.id);
    render();
    await refreshList();
    $("editor").focus();
  } catch (err) {
    if (err.name === "AbortError") status("cancelled"); else actionError("generate-error", err.message);
    $("draft").hidden = true;  // what streamed before the failure was not stored
  } finally {
    generating = null;
    $("generate").disabled = false;
    $("cancel").hidden = true;
    $("progress").hidden = true;
  }
}

$("cancel").addEventListener("click", () => { if (generating) generating.abort(); });

$("approve").addEventListener("click", approve);
async function approve() {
  const text = $("editor").value;
  actionError("approve-error", "");
  if (!text.trim()) { actionError("approve-error", "nothing to approve: the editor is empty"); return; }
  try {
    await api.send("POST", "/api/encounters/" + current.id + "/approve", { text });
    current = await api.get("/api/encounters/" + current.id);
    render();
    await refreshList();
    status("approved");
    $("export-markdown").focus();
  } catch (err) { actionError("approve-error", err.message); }
}

// The approved note as plain text (the server strips entity tags).
function approvedText() {
  const approved = latest("approved");
  return approved ? approved.plain : "";
}

$("copy-approved").addEventListener("click", async () => {
  const text = approvedText();
  actionError("approved-error", "");
  if (!text) { actionError("approved-error", "nothing approved yet"); return; }
  try {
    await navigator.clipboard.writeText(text);
    status("approved note copied");
  } catch (err) { actionError("approved-error", "copy failed: " + err.message); }
});

$("print-approved").addEventListener("click", () => {
  const text = approvedText();
  actionError("approved-error", "");
  if (!text) { actionError("approved-error", "nothing approved yet"); return; }
  let sheet = $("print-note");
  if (!sheet) {
    sheet = document.createElement("div");
    sheet.id = "print-note";
    document.body.append(sheet);
  }
  sheet.textContent = (current.title || "Encounter " + current.id) + "\n\n" + text;
  window.print();
});

for (const id of ["export-markdown", "export-summary", "export-fhir"]) {
  $(id).addEventListener("click", async () => {
    const format = $(id).dataset.format;
    actionError("export-error", "");
    try {
      const text = await api.getText("/api/encounters/" + current.id + "/export/" + format);
      $("export-preview").textContent = text;
      const link = $("export-download");
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([text], { type: format === "markdown" ? "text/markdown" : "application/json" }));
      link.download = "encounter-" + current.id + (format === "markdown" ? ".md" : format === "fhir" ? ".fhir.json" : ".summary.json");
      link.hidden = false;
      link.textContent = "Download " + link.download;
      status(format + " export ready");
    } catch (err) {
      $("export-preview").textContent = "";
      $("export-download").hidden = true;
      actionError("export-error", err.message);
    }
  });
}

$("delete-encounter").addEventListener("click", async () => {
  if (!confirm("Delete this encounter and all its versions?")) return;
  await api.send("DELETE", "/api/encounters/" + current.id);
  current = null;
  $("encounter").hidden = true;
  $("empty-hint").hidden = false;
  await refreshList();
});

document.addEventListener("keydown", (e) => {
  if (e.altKey && e.key.toLowerCase() === "n" && !$("main-screen").hidden) { e.preventDefault(); $("new-title").focus(); }
  if (e.ctrlKey && e.key === "Enter" && e.target === $("transcript")) { e.preventDefault(); generate(); }
  if (e.ctrlKey && e.key === "Enter" && e.target === $("editor")) { e.preventDefault(); approve(); }
  if (e.key === "Escape" && generating) generating.abort();
});

start().catch((err) => status("error: " + err.message));
