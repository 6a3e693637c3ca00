// The training page: start a LoRA run on a dataset folder, follow its progress and loss
// curves (polled from GET /api/training/{id}, drawn as SVG), cancel it, and serve its best
// adapter; the loaded adapters with a remove button.
import * as api from "./api.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let selected = null;  // id of the run shown
let timer = null;

function status(text) { $("status").textContent = text; }

function seconds(s) {
  if (s === null || s === undefined) return "—";
  return s < 90 ? Math.round(s) + " s" : Math.round(s / 60) + " min";
}

async function start() {
  const health = await api.get("/health");
  $("model-name").textContent = "model: " + health.model;
  $("token-row").hidden = !health.auth_required;
  await refresh();
}

async function refresh() {
  try {
    const runs = (await api.get("/api/training")).data;
    $("runs").replaceChildren(...runs.slice().reverse().map((r) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.textContent = `Run ${r.id}: ${r.state}, step ${r.step} of ${r.total_steps}`;
      b.setAttribute("aria-current", String(r.id === selected));
      b.addEventListener("click", () => show(r.id));
      li.append(b);
      return li;
    }));
    await refreshAdapters();
    status("");
  } catch (err) {
    status(err.message);
  }
}

async function refreshAdapters() {
  const list = (await api.get("/api/adapters")).data;
  $("adapters").replaceChildren(...list.map((a) => {
    const li = document.createElement("li");
    li.append(`${a.model} (rank ${a.rank}) — ${a.path} `);
    const b = document.createElement("button");
    b.className = "danger";
    b.textContent = "Remove";
    b.setAttribute("aria-label", "Remove adapter " + a.name);
    b.addEventListener("click", async () => {
      await api.send("DELETE", "/api/adapters/" + encodeURIComponent(a.name));
      await refreshAdapters();
    });
    li.append(b);
    return li;
  }));
}

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Train loss as a line, validation loss as dots, on shared axes (steps × loss).
function plot(train, val, total) {
  const svg = $("loss-plot");
  const W = 640, H = 280, L = 48, R = 12, T = 12, B = 32;
  const all = train.concat(val).map((p) => p[1]).filter(Number.isFinite);
  const children = [];
  if (all.length) {
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
    const maxStep = Math.max(total, 1);
    const x = (s) => L + (W - L - R) * s / maxStep;
    const y = (v) => T + (H - T - B) * (hi - v) / (hi - lo);
    children.push(el("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }));
    children.push(el("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#888" }));
    for (let i = 0; i <= 4; i++) {
      const v = lo + (hi - lo) * i / 4;
      children.push(el("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#555" }, v.toFixed(2)));
      const s = Math.round(maxStep * i / 4);
      children.push(el("text", { x: x(s), y: H - B + 16, "text-anchor": "middle", "font-size": 11, fill: "#555" }, String(s)));
    }
    children.push(el("text", { x: (L + W - R) / 2, y: H - 2, "text-anchor": "middle", "font-size": 11, fill: "#555" }, "step"));
    if (train.length) {
      const d = train.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
      children.push(el("path", { d, fill: "none", stroke: "#1f5fa8", "stroke-width": 2, class: "train-line" }));
    }
    for (const p of val) children.push(el("circle", { cx: x(p[0]), cy: y(p[1]), r: 4, fill: "#d2691e", class: "val-dot" }));
  } else {
    children.push(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#777" }, "waiting for the first step"));
  }
  svg.replaceChildren(...children);
}

async function show(id) {
  selected = id;
  clearTimeout(timer);
  let r;
  try {
    r = await api.get("/api/training/" + id);
  } catch (err) {
    status(err.message);
    return;
  }
  $("run").hidden = false;
  $("run-title").textContent = `Run ${r.id} — ${r.dataset}`;
  const waiting = r.state === "queued" ? `, position ${r.position} in the queue` : "";
  const best = r.best_val_loss === null ? "" : `, best validation loss ${r.best_val_loss.toFixed(4)}`;
  const last = r.train_loss.length ? `, train loss ${r.train_loss[r.train_loss.length - 1][1].toFixed(4)}` : "";
  $("run-status").textContent = `${r.state}${waiting}: step ${r.step} of ${r.total_steps}${last}${best}; ` +
    `elapsed ${seconds(r.elapsed_s)}, left ${seconds(r.eta_s)}` + (r.error ? ` — ${r.error}` : "");
  $("run-progress").value = r.total_steps ? r.step / r.total_steps : 0;
  // Every example left out (longer than the maximum), by file and line.
  $("dropped-box").hidden = !r.dropped.length;
  $("dropped-summary").textContent = `${r.dropped.length} example(s) left out: longer than ${r.options.max_seq} tokens`;
  $("dropped").replaceChildren(...r.dropped.map((d) => { const li = document.createElement("li"); li.textContent = d; return li; }));
  const live = r.state === "queued" || r.state === "running";
  $("cancel-run").hidden = !live;
  $("load-form").hidden = !r.adapter_path;
  plot(r.train_loss, r.val_loss, r.total_steps);
  if (live) timer = setTimeout(() => show(id), 1000);
  else await refresh();
}

$("train-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("start-error").textContent = "";
  if (!$("token-row").hidden) api.setToken($("token").value);
  const body = {
    steps: Number($("steps").value),
    lr: Number($("lr").value),
    rank: Number($("rank").value),
    batch: Number($("batch").value),
    max_seq: Number($("max-seq").value),
    eval_every: Number($("eval-every").value),
  };
  const name = $("adapter-name").value.trim();
  if (name) body.adapter = name;
  // Files chosen on this computer are sent as text; otherwise the server's folder is used.
  const train = $("train-file").files[0], valid = $("valid-file").files[0];
  if (train || valid) {
    if (!train || !valid) { $("start-error").textContent = "choose both a training and a validation file"; return; }
    Object.assign(body, { train: await train.text(), train_name: train.name, valid: await valid.text(), valid_name: valid.name });
  } else if ($("dataset").value.trim()) {
    body.dataset = $("dataset").value.trim();
  } else {
    $("start-error").textContent = "choose the training and validation files, or name a dataset folder on the server";
    return;
  }
  try {
    const r = await api.send("POST", "/api/training", body);
    await refresh();
    await show(r.id);
  } catch (err) {
    $("start-error").textContent = err.message;
  }
});

$("cancel-run").addEventListener("click", async () => {
  if (selected === null) return;
  await api.send("DELETE", "/api/training/" + selected);
  await show(selected);
});

$("load-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await api.get("/api/training/" + selected);
  try {
    const a = await api.send("POST", "/api/adapters", { name: $("load-name").value.trim(), path: r.adapter_path });
    $("load-result").textContent = `serving as "${a.model}"`;
    await refreshAdapters();
  } catch (err) {
    $("load-result").textContent = err.message;
  }
});

start().catch((err) => status(err.message));
