#include "model/adapter_qlora.h"

#include "core/mapped_file_release.h"
#include "model/adapter_layout.h"
#include "model/lora_adapter.h"
#include "quant/nf4.h"

namespace clinote {

// The weight's pages in the mapped file are not read again once it is NF4: without this
// they stay resident and NF4 would add its bytes to the stored ones instead of replacing them.
static void release_mapped_source(const model& m, const tensor_view& w) {
    if (m.gguf) mapped_file_release(m.gguf->file, w.data, w.nbytes);
    if (m.safetensors)
        for (const auto& shard : m.safetensors->shards) mapped_file_release(shard->file, w.data, w.nbytes);
}

nf4_report model_quantize_nf4(model& m) {
    nf4_report r;
    for (layer_weights& l : m.layers) {
        for (linear_weight* lw : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
            tensor_view& w = lw->w;
            if (w.type == dtype_nf4) continue;
            if (w.cols() % nf4_block != 0) {
                r.skipped++;
                continue;
            }
            const std::vector<float> values = tensor_to_f32(w);
            m.owned.push_back(nf4_quantize_matrix(values.data(), w.rows(), w.cols()));
            r.bytes_before += w.nbytes;
            r.bytes_after += m.owned.back().size();
            r.converted++;
            release_mapped_source(m, w);
            w.type = dtype_nf4;
            w.data = m.owned.back().data();
            w.nbytes = m.owned.back().size();
        }
    }
    return r;
}

}  // namespace clinote
