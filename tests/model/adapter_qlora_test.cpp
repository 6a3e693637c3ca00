// QLoRA: the base's linear weights re-quantised to NF4 in memory, with an adapter on top,
// against PEFT on the same model whose weights went through bitsandbytes NF4.
#include "adapter_test_util.h"
#include "model/adapter_qlora.h"
#include "quant/nf4.h"

#include <cstdio>

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

// The resident size of the mapping that holds `addr`, from /proc/self/smaps.
size_t mapping_rss_bytes(const void* addr) {
    std::ifstream in("/proc/self/smaps");
    const auto a = reinterpret_cast<uintptr_t>(addr);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        unsigned long begin = 0, end = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2 && line.find(':') > line.find(' ')) {
            inside = a >= begin && a < end;
        } else if (inside && line.rfind("Rss:", 0) == 0) {
            return size_t(std::stoull(line.substr(4))) * 1024;
        }
    }
    ADD_FAILURE() << "no mapping holds the address";
    return 0;
}

// QLoRA saves memory only if the converted weights' file pages leave the resident set: once
// NF4, the stored bytes are never read again.
TEST(AdapterQlora, Nf4ReleasesTheMappedPagesOfConvertedWeights) {
    auto m = model_load(base_model("llama", "model.gguf"), false);
    const mapped_file& file = m->gguf->file;
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < file.size; i += page) sum = uint8_t(sum + file.data[i]);  // all resident
    const size_t before = mapping_rss_bytes(file.data);
    ASSERT_GE(before + page, file.size);
    size_t whole_pages = 0;  // of the weights about to be converted
    for (const layer_weights& l : m->layers)
        for (const linear_weight* lw : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) {
            if (lw->w.cols() % nf4_block != 0) continue;
            const auto begin = reinterpret_cast<uintptr_t>(lw->w.data);
            const size_t first = (begin + page - 1) / page, last = (begin + lw->w.nbytes) / page;
            if (last > first) whole_pages += last - first;
        }
    ASSERT_GT(whole_pages, 0u);
    const nf4_report r = model_quantize_nf4(*m);
    ASSERT_EQ(r.converted, 12);
    EXPECT_LE(mapping_rss_bytes(file.data) + whole_pages * page, before);
    // Still a working model: the logits are those of the NF4 weights (the test above checks them).
    const std::vector<float> got = logits(*m, nullptr);
    for (float v : got) ASSERT_TRUE(std::isfinite(v));
}

}  // namespace
