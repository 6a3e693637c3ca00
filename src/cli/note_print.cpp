#include "cli/note_print.h"

#include <cstdio>

#include "core/file.h"

namespace clinote {

note_result note_print(const model& m, const lora_adapter* adapter, note_request r, const std::string& out_path) {
    if (r.n_ctx == 0) r.n_ctx = m.config.n_ctx_train;
    const note_plan plan = note_plan_make(m.tok, r);
    const size_t n = plan.chunks.size();
    if (n > 1) {
        std::fprintf(stderr,
                     "clinote: warning: the transcript does not fit the context of %lld tokens with room for a "
                     "%d-token note; writing it in %zu parts (",
                     (long long)r.n_ctx, r.params.max_tokens, n);
        for (size_t i = 0; i < n; i++)
            std::fprintf(stderr, "%sturns %zu-%zu", i ? ", " : "", plan.chunks[i].begin + 1, plan.chunks[i].end);
        std::fprintf(stderr, ") and merging them; see docs/notes.md, long visits\n");
    }
    const note_decoder decode_one = note_decoder_for(m, adapter, r.n_ctx);
    size_t part = 0;
    const note_decoder decode = [&](const note_part& p, const generate_params& params, const text_callback& on_text) {
        if (n > 1) std::fprintf(stderr, "clinote: part %zu of %zu\n", ++part, n);
        return decode_one(p, params, on_text);
    };
    const note_result result = note_write(r, plan, decode, [](const std::string& piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
    });
    if (result.finish_reason == "length") std::fprintf(stderr, "clinote: warning: the note reached --max-tokens\n");
    if (!out_path.empty()) file_write(out_path, result.text);
    return result;
}

}  // namespace clinote
