// The training page's "Improve from my notes" card: start a run on the vault's approved notes
// (POST /api/improve), follow its phases (polled from GET /api/improve), show the comparison
// and decision, and list every version with its scores, with a button to make one current.
import * as api from "./api.js";

const $ = (id) => document.getElementById(id);
let timer = null;

const PHASES = { training: "training", current: "writing held-back notes with the adapter in use",
                 candidate: "writing held-back notes with the candidate" };

function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

const percent = (x) => Math.round(100 * x) + "%";

function showRun(run) {
  $("improve-run").hidden = !run;
  if (!run) return;
  const active = run.state === "queued" || run.state === "running";
  $("improve-cancel").hidden = !active;
  $("improve-start").disabled = active;
  $("improve-progress").value = run.total ? run.done / run.total : 0;
  if (run.state === "queued") $("improve-status").textContent = "waiting in the queue (position " + run.position + ")";
  else if (active && run.phase) {
    const eta = run.phase_eta_s === null ? "" : ", about " + Math.ceil(run.phase_eta_s) + " s left in this phase";
    $("improve-status").textContent = `${PHASES[run.phase]}: ${run.done} of ${run.total}${eta}`;
  } else if (run.state === "failed") $("improve-status").textContent = "failed: " + run.error;
  else $("improve-status").textContent = run.state;
  const r = run.result;
  $("improve-compare").hidden = !(r && r.current);
  if (!r || !r.current) { $("improve-decision").textContent = ""; $("improve-skipped-box").hidden = true; return; }
  $("improve-current-name").textContent = r.current_name;
  $("improve-compare-rows").replaceChildren(...[
    ["ROUGE-1 against the approved notes", r.current.rouge1.toFixed(3), r.candidate.rouge1.toFixed(3)],
    ["notes that loop", percent(r.current.loop_rate), percent(r.candidate.loop_rate)],
    ["unsupported facts per note", r.current.unsupported_per_note.toFixed(2), r.candidate.unsupported_per_note.toFixed(2)],
  ].map((row) => { const tr = document.createElement("tr"); tr.append(...row.map(cell)); return tr; }));
  const d = r.rouge1_delta, sign = (x) => (x >= 0 ? "+" : "") + x.toFixed(3);
  $("improve-decision").textContent = `Trained on ${r.n_train} approved notes, compared on ${r.n_held_back} held back. ` +
    `ROUGE-1 ${sign(d.mean)} (95% interval ${sign(d.lo)} to ${sign(d.hi)}). ` +
    `Version ${r.version} ${r.promoted ? "promoted: notes are now written with it" : "refused"} (${r.reason}).`;
  $("improve-skipped-box").hidden = !r.skipped.length;
  $("improve-skipped-summary").textContent = r.skipped.length + " approved notes not used";
  $("improve-skipped").replaceChildren(...r.skipped.map((s) => { const li = document.createElement("li"); li.textContent = s; return li; }));
}

function showVersions(versions) {
  $("use-none").disabled = versions.current === null;
  $("versions-rows").replaceChildren(...versions.data.slice().reverse().map((v) => {
    const tr = document.createElement("tr");
    const c = (v.scores && v.scores.candidate) || {};
    const current = v.version === versions.current;
    tr.append(cell(v.version + (current ? " (in use)" : "")), cell(v.decision), cell(v.created_at),
              cell(c.rouge1 === undefined ? "—" : c.rouge1.toFixed(3)),
              cell(c.loop_rate === undefined ? "—" : percent(c.loop_rate)),
              cell(c.unsupported_per_note === undefined ? "—" : c.unsupported_per_note.toFixed(2)));
    const td = document.createElement("td");
    if (v.decision === "promoted" && !current) {
      const b = document.createElement("button");
      b.textContent = "Use this version";
      b.setAttribute("aria-label", "Write notes with version " + v.version);
      b.addEventListener("click", () => use(v.version));
      td.append(b);
    }
    tr.append(td);
    return tr;
  }));
}

async function refresh() {
  try {
    const s = await api.get("/api/improve");
    showRun(s.run);
    showVersions(s.versions);
    const active = s.run && (s.run.state === "queued" || s.run.state === "running");
    clearTimeout(timer);
    if (active) timer = setTimeout(refresh, 1000);
  } catch (err) {
    $("improve-error").textContent = err.status === 423 || err.status === 409
      ? "Unlock the vault on the Encounters page first: the approved notes are in it." : err.message;
    $("improve-start").disabled = true;
  }
}

async function use(version) {
  $("improve-error").textContent = "";
  try {
    showVersions(await api.send("POST", "/api/improve/use", { version }));
  } catch (err) { $("improve-error").textContent = err.message; }
}

async function start() {
  $("improve-error").textContent = "";
  const body = { steps: Number($("improve-steps").value) || 60, lr: Number($("improve-lr").value) || 0.0002,
                 max_tokens: Number($("improve-max-tokens").value) || 400 };
  if ($("improve-template").value) body.template = $("improve-template").value;
  if ($("improve-since").value) body.since = $("improve-since").value;
  try {
    showRun(await api.send("POST", "/api/improve", body));
    refresh();
  } catch (err) { $("improve-error").textContent = err.message; }
}

async function init() {
  $("improve-form").addEventListener("submit", (e) => { e.preventDefault(); start(); });
  $("improve-cancel").addEventListener("click", async () => {
    try { await api.send("DELETE", "/api/improve"); } catch (err) { $("improve-error").textContent = err.message; }
    refresh();
  });
  $("use-none").addEventListener("click", () => use(0));
  try {
    const templates = (await api.get("/api/templates")).data;
    $("improve-template").append(...templates.map((t) => new Option((t.title || t.name) + (t.custom ? " (yours)" : ""), t.name)));
  } catch (_) { /* the list stays "every template" */ }
  await refresh();
}

init();
