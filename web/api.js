// Calls to the clinote server: JSON in and out, the bearer token when one is set, errors
// thrown with the server's message, and Server-Sent Events read from a POST response.
let token = sessionStorage.getItem("clinote-token") || "";

export function setToken(t) {
  token = t;
  sessionStorage.setItem("clinote-token", t);
}

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  if (token) h["Authorization"] = "Bearer " + token;
  return h;
}

async function check(res) {
  if (res.ok) return res;
  let message = res.status + " " + res.statusText;
  try {
    const body = await res.json();
    if (body.error && body.error.message) message = body.error.message;
  } catch (_) { /* not JSON */ }
  const err = new Error(message);
  err.status = res.status;
  throw err;
}

export async function get(path) {
  return (await check(await fetch(path, { headers: headers(false) }))).json();
}

export async function getText(path) {
  return (await check(await fetch(path, { headers: headers(false) }))).text();
}

export async function send(method, path, body) {
  const res = await fetch(path, { method, headers: headers(true), body: body === undefined ? undefined : JSON.stringify(body) });
  return (await check(res)).json();
}

// POSTs body and calls onEvent with each parsed "data:" event until [DONE] or the end.
// signal: an AbortSignal; aborting closes the connection, which cancels the job.
export async function stream(path, body, onEvent, signal) {
  const res = await check(await fetch(path, { method: "POST", headers: headers(true), body: JSON.stringify(body), signal }));
  return readEvents(res, onEvent);
}

// POSTs a Blob (a recording) as its own content type and reads the events as stream() does.
export async function streamBytes(path, blob, onEvent) {
  const h = { ...headers(false), "Content-Type": blob.type };
  return readEvents(await check(await fetch(path, { method: "POST", headers: h, body: blob })), onEvent);
}

// POSTs a Blob as its own content type; returns the JSON reply.
export async function sendBytes(path, blob) {
  const h = { ...headers(false), "Content-Type": blob.type };
  return (await check(await fetch(path, { method: "POST", headers: h, body: blob }))).json();
}

async function readEvents(res, onEvent) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!block.startsWith("data: ")) continue;  // a keep-alive comment
      const data = block.slice(6);
      if (data === "[DONE]") return;
      onEvent(JSON.parse(data));
    }
  }
}
