// llama-server's helper routes, which tools written for it call: POST /tokenize and
// /detokenize with a base model's tokenizer, GET /props (context, default sampling, chat
// template, build).
#include "server/completion.h"
#include "server/http_json.h"
#include "server/server_context.h"

namespace clinote {

void llama_server_routes_add(httplib::Server& http, server_context& ctx) {
    // {"content", "add_special"?, "with_pieces"?, "model"?} → {"tokens": [id, ...]} or, with
    // pieces, [{"id", "piece"}, ...].
    http.Post("/tokenize", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const model_choice c = completion_model(ctx, json_string(body, "model", ""));
        const tokenizer& tok = ctx.host.bases[c.base].tok;
        const std::vector<int32_t> ids =
            tokenizer_encode(tok, json_string_required(body, "content"), json_bool(body, "add_special", false));
        nlohmann::json tokens = nlohmann::json::array();
        const bool pieces = json_bool(body, "with_pieces", false);
        for (int32_t id : ids)
            tokens.push_back(pieces ? nlohmann::json{{"id", id}, {"piece", tokenizer_token_bytes(tok, id)}} : nlohmann::json(id));
        reply_json(res, {{"tokens", tokens}});
    });
    // {"tokens": [id, ...], "model"?} → {"content"}.
    http.Post("/detokenize", [&ctx](const httplib::Request& req, httplib::Response& res) {
        const nlohmann::json body = json_body_parse(req);
        const model_choice c = completion_model(ctx, json_string(body, "model", ""));
        const tokenizer& tok = ctx.host.bases[c.base].tok;
        if (!body.contains("tokens") || !body["tokens"].is_array())
            throw api_error(400, "invalid_field", "tokens: must be an array of token ids");
        std::vector<int32_t> ids;
        for (const auto& t : body["tokens"]) {
            if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= int64_t(tok.id_to_token.size()))
                throw api_error(400, "invalid_field",
                                "tokens: ids must be integers below the vocabulary size " + std::to_string(tok.id_to_token.size()));
            ids.push_back(int32_t(t.get<int64_t>()));
        }
        reply_json(res, {{"content", tokenizer_decode(tok, ids)}});
    });
    http.Get("/props", [&ctx](const httplib::Request&, httplib::Response& res) {
        const base_model& b = model_host_default(ctx.host);
        reply_json(res, {{"default_generation_settings",
                          {{"n_ctx", b.n_ctx},
                           {"params", {{"n_predict", ctx.opt.default_max_tokens}, {"temperature", 1.0}, {"top_p", 1.0}}}}},
                         {"total_slots", 1},
                         {"model_path", b.path},
                         {"model_alias", b.id},
                         {"chat_template", b.tok.chat_template},
                         {"build_info", "clinote"}});
    });
}

}  // namespace clinote
