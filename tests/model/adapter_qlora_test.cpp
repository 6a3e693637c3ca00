// QLoRA: the base's linear weights re-quantised to NF4 in memory, with an adapter on top,
// against PEFT on the same model whose weights went through bitsandbytes NF4.
#include "adapter_test_util.h"
#include "model/adapter_qlora.h"
#include "quant/nf4.h"

using namespace clinote;
using namespace adapter_test;

namespace {

TEST(AdapterQlora, Nf4BaseWithAdapterMatchesBitsandbytesAndPeft) {
    for (const char* base : {"model.gguf", "hf"}) {
        auto m = model_load(base_model("llama", base), false);
        const lora_adapter a = lora_adapter_load(golden("llama_lora/peft"), *m);
        const std::vector<float> full = logits(*m, &a);
        const nf4_report r = model_quantize_nf4(*m);
        // 2 layers × q, k, v, o, gate, up; down's rows (96 values) are not whole blocks of 64.
        EXPECT_EQ(r.converted, 12) << base;
        EXPECT_EQ(r.skipped, 2) << base;
        EXPECT_EQ(m->layers[0].wq.w.type, dtype_nf4);
        EXPECT_LT(r.bytes_after * 5, r.bytes_before) << base;  // rows of 64 values: 45 bytes instead of 256
        const std::vector<float> want = read_f32(golden("llama_lora/qlora_logits.f32"));
        const std::vector<float> got = logits(*m, &a);
        // torch sums the absmax mean (the offset) in another order than we do: the offset
        // may differ by an ulp, which moves every absmax by an ulp and, at a near-tie, one
        // block's 8-bit absmax code by a step (seen once in the 12 tensors here).
        const double nf4_effect = max_abs_diff(full, want);
        EXPECT_LE(max_abs_diff(got, want), 1e-2) << base;
        EXPECT_GT(nf4_effect, 5e-2) << base;  // NF4 did change the model, far beyond that
    }
}

}  // namespace
