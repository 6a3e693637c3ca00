// The OpenAPI 3.1 description served at /openapi.json. Tests check that every path it
// lists is routed, so it cannot drift from the server.
#include <cctype>
#include <regex>
#include <utility>
#include <vector>

#include "server/server_context.h"

namespace clinote {

namespace {

const char* k_openapi = R"json({
  "openapi": "3.1.0",
  "info": {"title": "clinote server", "version": "1",
           "description": "Offline clinical scribe: OpenAI-compatible completions and a scribe API over the encrypted vault. Errors are {\"error\":{\"message\",\"type\",\"code\"}}. With a token configured, /v1, /api and /metrics need 'Authorization: Bearer <token>'; without one, /api needs the session cookie that the page (/) sets. Generation requests wait in one queue; when it is full they get 503 with Retry-After."},
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": "string"}}}}},
      "ChatRequest": {"type": "object", "required": ["messages"], "additionalProperties": false, "properties": {
        "model": {"type": "string"},
        "messages": {"type": "array", "items": {"type": "object", "required": ["role"], "properties": {
          "role": {"enum": ["system", "developer", "user", "assistant"]}, "content": {"type": ["string", "array"]}}}},
        "max_tokens": {"type": "integer", "minimum": 1}, "max_completion_tokens": {"type": "integer", "minimum": 1},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "default": 1},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1, "default": 1},
        "seed": {"type": "integer"}, "stop": {"type": ["string", "array"]},
        "n": {"type": "integer", "minimum": 1, "maximum": 8, "description": "choices written one after another; not streamed"},
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2, "default": 0},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2, "default": 0},
        "top_k": {"type": "integer"}, "min_p": {"type": "number"}, "repeat_penalty": {"type": "number"},
        "user": {"type": "string"},
        "logprobs": {"type": "boolean", "description": "each token's log-probability under the model; not streamed"},
        "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20, "description": "alternatives per token, with logprobs"},
        "response_format": {"type": "object", "description": "{\"type\": \"text\"}, {\"type\": \"json_object\"} (any JSON object) or {\"type\": \"json_schema\", \"json_schema\": {\"name\", \"schema\", \"strict\"}}: decoded under the schema's grammar, always parses"}}},
      "CompletionRequest": {"type": "object", "required": ["prompt"], "properties": {
        "model": {"type": "string"}, "prompt": {"type": ["string", "array"]},
        "max_tokens": {"type": "integer"}, "temperature": {"type": "number"}, "top_p": {"type": "number"},
        "seed": {"type": "integer"}, "stop": {"type": ["string", "array"]}, "stream": {"type": "boolean"},
        "logprobs": {"type": "integer", "minimum": 0, "maximum": 5, "description": "log-probabilities with this many alternatives; not streamed"},
        "n": {"type": "integer"}, "frequency_penalty": {"type": "number"}, "presence_penalty": {"type": "number"},
        "response_format": {"type": "object"}}},
      "Unlock": {"type": "object", "required": ["passphrase"], "properties": {
        "passphrase": {"type": "string"}, "create": {"type": "boolean", "description": "create the vault if the folder holds none"}}},
      "NewEncounter": {"type": "object", "properties": {"title": {"type": "string"}, "transcript": {"type": "string"},
        "source": {"type": "string"}}},
      "Transcript": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}, "source": {"type": "string"}}},
      "GenerateNote": {"type": "object", "properties": {
        "format": {"enum": ["note", "summary"], "default": "note", "description": "summary: a ClinicalSummary JSON by constrained decoding"},
        "template": {"type": "string", "default": "soap"}, "template_json": {"type": "object"},
        "section": {"type": "string"}, "entity_tags": {"type": "boolean", "default": false},
        "max_tokens": {"type": "integer", "default": 512, "description": "per part: a visit longer than the context is written in parts"},
        "temperature": {"type": "number", "default": 0}, "top_p": {"type": "number", "default": 1},
        "repeat_penalty": {"type": "number", "default": 1}, "seed": {"type": "integer", "default": 0},
        "adapter": {"type": "string", "description": "a loaded LoRA adapter's name (GET /api/adapters), on the default base"},
        "model": {"type": "string", "description": "instead of adapter: \"<base>\" or \"<base>+<adapter>\" as in the OpenAI API"},
        "stream": {"type": "boolean", "description": "Server-Sent Events: {delta, html, tokens_done, tokens_max} then {finish_reason, note}"}}},
      "Approve": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"},
        "template": {"type": "string", "description": "the note's template, for its review (default soap)"}}},
      "Review": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"},
        "template": {"type": "string", "default": "soap"}, "template_json": {"type": "object"}, "section": {"type": "string"},
        "format": {"enum": ["note", "summary"], "default": "note"}}},
      "LoadAdapter": {"type": "object", "required": ["name", "path"], "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}, "path": {"type": "string"},
        "base": {"type": "string", "description": "the base model it was made for; default: the default base"}}},
      "StartTraining": {"type": "object", "required": ["dataset"], "properties": {
        "dataset": {"type": "string", "description": "folder with train.jsonl and valid.jsonl"},
        "steps": {"type": "integer", "default": 100}, "lr": {"type": "number", "default": 0.0002},
        "schedule": {"enum": ["cosine", "linear", "constant"]}, "warmup": {"type": "integer"},
        "rank": {"type": "integer", "default": 8}, "alpha": {"type": "number"}, "dropout": {"type": "number", "default": 0.05},
        "targets": {"type": "array", "items": {"enum": ["q", "k", "v", "o", "gate", "up", "down"]}},
        "batch": {"type": "integer", "default": 4}, "grad_accum": {"type": "integer", "default": 1},
        "max_seq": {"type": "integer"}, "pack": {"type": "boolean"}, "eval_every": {"type": "integer"},
        "seed": {"type": "integer"}, "all_tokens": {"type": "boolean"},
        "matmul": {"enum": ["auto", "float", "bf16"], "default": "auto",
                   "description": "frozen weights multiplied in F32 or BF16 (AMX); auto: bf16 where the CPU has AMX"},
        "adapter": {"type": "string", "description": "serve the best adapter under this name when the run ends"}}},
      "Note": {"type": "object", "properties": {"id": {"type": "integer"}, "encounter_id": {"type": "integer"},
        "version": {"type": "integer"}, "kind": {"enum": ["draft", "approved"]}, "text": {"type": "string"},
        "html": {"type": "string"}, "plain": {"type": "string", "description": "the text without entity tags"}, "diff": {"type": "string"}, "author": {"type": "string"},
        "based_on": {"type": ["integer", "null"]}, "created_at": {"type": "string"}}},
      "Job": {"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
        "state": {"enum": ["queued", "running", "done", "failed", "cancelled"]},
        "position": {"type": "integer", "description": "0 running, 1.. waiting, -1 finished"},
        "tokens_done": {"type": "integer"}, "tokens_max": {"type": "integer"}}}
    }
  },
  "security": [{"bearer": []}],
  "paths": {
    "/health": {"get": {"summary": "Liveness, the model in memory (models: loaded, default, switches), queue length, whether a token is required and the vault unlocked, note_model (what a note without model or adapter runs on), note_backend (serve --backend: url and model, else null)", "security": []}},
    "/metrics": {"get": {"summary": "Prometheus text: requests by route and status, jobs, tokens, queue length"}},
    "/openapi.json": {"get": {"summary": "This document", "security": []}},
    "/v1/embeddings": {"post": {"summary": "Sentence embeddings (OpenAI): {input: string or strings}; all-MiniLM-L6-v2, mean pooled, L2-normalised"}},
    "/tokenize": {"post": {"summary": "llama-server: {content, add_special?, with_pieces?, model?} -> {tokens}"}},
    "/detokenize": {"post": {"summary": "llama-server: {tokens, model?} -> {content}"}},
    "/props": {"get": {"summary": "llama-server: context, default sampling, chat template of the default base"}},
    "/api/version": {"get": {"summary": "Ollama: the version", "security": []}},
    "/api/tags": {"get": {"summary": "Ollama: the models (each base and base+adapter)"}},
    "/api/show": {"post": {"summary": "Ollama: a model's chat template and details ({model})"}},
    "/api/chat": {"post": {"summary": "Ollama: chat ({model?, messages, stream (default true: JSON lines), format (a JSON schema), options}); unsupported fields are 400"}},
    "/api/generate": {"post": {"summary": "Ollama: completion of a prompt ({model?, prompt, system?, raw?, stream, format, options})"}},
    "/v1/models": {"get": {"summary": "Each base model (\"loaded\": whether it is the one in memory, \"default\": whether requests without a model get it) and, as \"<base>+<adapter>\", each base with its adapters"}},
    "/v1/models/{model}": {"get": {"summary": "One model", "parameters": [{"name": "model", "in": "path", "required": true, "schema": {"type": "string"}}]}},
    "/v1/chat/completions": {"post": {"summary": "Chat completion (OpenAI); SSE when stream",
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChatRequest"}}}},
      "responses": {"200": {"description": "chat.completion or a text/event-stream of chat.completion.chunk"},
                    "400": {"description": "bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "404": {"description": "unknown model"}, "413": {"description": "body too large"},
                    "503": {"description": "queue full; see Retry-After"}}}},
    "/v1/completions": {"post": {"summary": "Text completion (OpenAI); SSE when stream",
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/CompletionRequest"}}}}}},
    "/api/jobs": {"get": {"summary": "Running and queued jobs with position and progress"}},
    "/api/jobs/{id}": {
      "get": {"summary": "One job", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]},
      "delete": {"summary": "Cancel a job", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
    "/api/adapters": {
      "get": {"summary": "Loaded LoRA adapters; each is served as model \"<base>+<name>\""},
      "post": {"summary": "Load or replace an adapter (PEFT folder or GGUF LoRA on the server); jobs already accepted keep the one they started with",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/LoadAdapter"}}}},
        "responses": {"201": {"description": "loaded"}, "200": {"description": "replaced"}, "400": {"description": "bad name or file (named)"}}}},
    "/api/model": {
      "get": {"summary": "The base model in memory, the default base and how many times the worker swapped models"},
      "post": {"summary": "Make a base the default and load it: queued like a job, so it waits for the jobs ahead of it (one model in memory)",
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
        "responses": {"200": {"description": "{loaded, default, switches}"}, "404": {"description": "no base of that name"}}}},
    "/api/adapters/{name}": {"delete": {"summary": "Unload an adapter", "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]}},
    "/api/training": {
      "get": {"summary": "Training runs of this server's lifetime"},
      "post": {"summary": "Start a LoRA training run on a dataset folder; it waits in the model's job queue",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/StartTraining"}}}},
        "responses": {"202": {"description": "accepted: the run's status"}, "400": {"description": "bad dataset (file and line named) or option"}}}},
    "/api/training/{id}": {
      "get": {"summary": "A run's progress: state, step, total_steps, elapsed_s, eta_s, train_loss [[step, loss]], val_loss [[step, loss]], best_val_loss, adapter_path",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]},
      "delete": {"summary": "Cancel: stops after the step in progress, with a checkpoint", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
    "/api/improve": {
      "get": {"summary": "Improve from my notes: the latest run (state, phase training|current|candidate, done, total, phase_eta_s, result or error) and every adapter version in the vault with its scores (versions.data, versions.current)"},
      "post": {"summary": "Train the clinic's adapter on the vault's approved notes (template, since, hold_back, steps, lr, batch, max_seq, rank, seed, max_tokens), compare it with the adapter in use on held-back notes, promote it only if better; queued like any job",
        "responses": {"202": {"description": "accepted: the run's status"}, "409": {"description": "a run is under way, or no vault"}, "423": {"description": "vault locked"}}},
      "delete": {"summary": "Cancel the run: nothing is stored"}},
    "/api/improve/use": {"post": {"summary": "Make a promoted version current again (version 0: none); notes are then written with it",
      "responses": {"200": {"description": "the versions"}, "404": {"description": "no such version"}, "409": {"description": "a refused version"}}}},
    "/api/vault": {"get": {"summary": "Whether a vault is configured, exists and is unlocked"}},
    "/api/vault/unlock": {"post": {"summary": "Unlock (or create) the vault",
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Unlock"}}}},
      "responses": {"200": {"description": "unlocked"}, "403": {"description": "wrong passphrase"}}}},
    "/api/vault/lock": {"post": {"summary": "Lock the vault (wipes the key from memory)"}},
    "/api/templates": {"get": {"summary": "Note templates: the built-in ones, then the vault's (\"custom\": true)"}},
    "/api/templates/{name}": {
      "put": {"summary": "Create or replace a custom template in the vault (the template's JSON, as a --template-file holds)",
        "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]},
      "delete": {"summary": "Delete a custom template", "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}]}},
    "/api/encounters": {
      "get": {"summary": "List encounters"},
      "post": {"summary": "Create an encounter (optionally with its transcript)",
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewEncounter"}}}}}},
    "/api/encounters/{id}": {
      "get": {"summary": "An encounter with every transcript and note version", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]},
      "delete": {"summary": "Delete an encounter", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
    "/api/encounters/{id}/transcripts": {"post": {"summary": "Add a transcript version",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Transcript"}}}}}},
    "/api/encounters/{id}/audio": {"post": {"summary": "Dictation: transcribe a recording (WAV, FLAC, Ogg, MP3 body, or the multipart field \"audio\") with Whisper as a queued job; the text is stored as the next transcript version (store=false: only returned). Query: language (en; auto), prompt, speakers (e.g. Doctor,Patient: a stereo recording labelled by channel, a mono one by two-voice clustering, as clinote transcribe --speakers), store, keep_audio (the recording, encrypted in the vault), stream (Server-Sent Events, one delta per decoded window)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "requestBody": {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}, "multipart/form-data": {"schema": {"type": "object", "properties": {"audio": {"type": "string", "format": "binary"}}}}}}}},
    "/api/encounters/{id}/dictation": {"post": {"summary": "Live dictation: open a session that takes the microphone's audio in pieces while recording (query: language, prompt); 201 {session}",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "responses": {"201": {"description": "{session, encounter, text, chunks, received_s, committed_s, pending}"}, "404": {"description": "unknown encounter"}, "409": {"description": "no Whisper model"}}}},
    "/api/dictation/{id}/audio": {"post": {"summary": "A piece of the recording (at most 30 s): 16-bit little-endian mono PCM, Content-Type audio/pcm, ?rate=. Speech that ended in a pause is transcribed once, as a queued job; the reply carries the text committed so far",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "rate", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 8000, "maximum": 96000}}],
      "requestBody": {"content": {"audio/pcm": {"schema": {"type": "string", "format": "binary"}}}},
      "responses": {"200": {"description": "the session's state"}, "400": {"description": "bad rate, empty or odd-length body"}, "404": {"description": "unknown session"}, "413": {"description": "piece over 30 s"}, "415": {"description": "not audio/pcm"}}}},
    "/api/dictation/{id}": {
      "get": {"summary": "The session's committed text and how much audio it has received and transcribed", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]},
      "delete": {"summary": "Discard the session", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
    "/api/dictation/{id}/finish": {"post": {"summary": "Transcribe what is left (queued after the session's chunk jobs) and answer the whole text, the committed chunks joined; stored as the next transcript version unless store=false",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, {"name": "store", "in": "query", "schema": {"type": "boolean"}}]}},
    "/api/encounters/{id}/notes": {
      "get": {"summary": "Every note version (drafts and approvals, with diffs)", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]},
      "post": {"summary": "Generate a draft from the latest transcript (template or ClinicalSummary JSON); stored in the vault",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/GenerateNote"}}}}}},
    "/api/encounters/{id}/approve": {"post": {"summary": "Approve the (edited) note; stores it with its diff from the latest draft",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Approve"}}}}}},
    "/api/encounters/{id}/review": {"post": {"summary": "Review a note's text against the latest transcript: unsupported facts, loops, copied instructions, empty or missing sections, and the transcript line behind each supported fact",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Review"}}}}}},
    "/api/encounters/{id}/export/{format}": {"get": {"summary": "Export: markdown (latest note and transcript), summary (ClinicalSummary JSON) or fhir (FHIR R4 Bundle)",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                     {"name": "format", "in": "path", "required": true, "schema": {"enum": ["markdown", "summary", "fhir"]}}]}}
  }
})json";

}  // namespace

const nlohmann::json& openapi_document() {
    static const nlohmann::json doc = nlohmann::json::parse(k_openapi);
    return doc;
}

std::string openapi_allowed_methods(const std::string& path) {
    // Each documented path as a pattern ("{id}" matches one segment) with its methods.
    static const std::vector<std::pair<std::regex, std::string>> routes = [] {
        std::vector<std::pair<std::regex, std::string>> out;
        for (const auto& [templ, ops] : openapi_document()["paths"].items()) {
            std::string pattern;
            for (size_t i = 0; i < templ.size(); i++) {
                if (templ[i] == '{') {
                    i = templ.find('}', i);
                    pattern += "[^/]+";
                } else {
                    if (!std::isalnum(static_cast<unsigned char>(templ[i])) && templ[i] != '/') pattern += '\\';
                    pattern += templ[i];
                }
            }
            std::string methods;
            for (const auto& [method, op] : ops.items()) {
                std::string m = method;
                for (char& c : m) c = char(std::toupper(static_cast<unsigned char>(c)));
                methods += (methods.empty() ? "" : ", ") + m + (m == "GET" ? ", HEAD" : "");
            }
            out.emplace_back(std::regex(pattern), methods);
        }
        return out;
    }();
    for (const auto& [re, methods] : routes)
        if (std::regex_match(path, re)) return methods;
    return "";
}

}  // namespace clinote
