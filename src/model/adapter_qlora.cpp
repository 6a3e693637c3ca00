#include "model/adapter_qlora.h"

#include "model/adapter_layout.h"
#include "model/lora_adapter.h"
#include "quant/nf4.h"

namespace clinote {

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
            w.type = dtype_nf4;
            w.data = m.owned.back().data();
            w.nbytes = m.owned.back().size();
        }
    }
    return r;
}

}  // namespace clinote
