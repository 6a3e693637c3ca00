#include "io/gguf_convert.h"

#include <vector>

#include "core/error.h"
#include "io/gguf.h"
#include "quant/quant.h"

namespace clinote {

uint32_t gguf_file_type_of(dtype t) {
    switch (t) {
        case dtype::f32: return 0;   // LLAMA_FTYPE_ALL_F32
        case dtype::f16: return 1;   // LLAMA_FTYPE_MOSTLY_F16
        case dtype::q4_0: return 2;  // LLAMA_FTYPE_MOSTLY_Q4_0
        case dtype::q4_1: return 3;  // LLAMA_FTYPE_MOSTLY_Q4_1
        case dtype::q8_0: return 7;  // LLAMA_FTYPE_MOSTLY_Q8_0
        case dtype::q5_0: return 8;  // LLAMA_FTYPE_MOSTLY_Q5_0
        case dtype::q5_1: return 9;  // LLAMA_FTYPE_MOSTLY_Q5_1
        case dtype::q2_k: return 10; // LLAMA_FTYPE_MOSTLY_Q2_K
        case dtype::q3_k: return 12; // LLAMA_FTYPE_MOSTLY_Q3_K_M
        case dtype::q4_k: return 15; // LLAMA_FTYPE_MOSTLY_Q4_K_M
        case dtype::q5_k: return 17; // LLAMA_FTYPE_MOSTLY_Q5_K_M
        case dtype::q6_k: return 18; // LLAMA_FTYPE_MOSTLY_Q6_K
        case dtype::bf16: return 32; // LLAMA_FTYPE_MOSTLY_BF16
    }
    return 0;
}

dtype gguf_convert_type(const tensor_view& t, dtype target) {
    if (t.shape.size() != 2) return dtype::f32;
    if (t.cols() % dtype_block_size(target) != 0) return dtype::f16;
    return target;
}

void gguf_convert(const std::string& in_path, const std::string& out_path, dtype target,
                  const std::function<void(size_t, size_t)>& on_tensor) {
    if (!dtype_can_quantize(target))
        fail(out_path, std::string("converting to ") + dtype_name(target) + " is not supported");
    const gguf_file in = gguf_open(in_path);

    std::map<std::string, gguf_value> metadata = in.metadata;
    metadata["general.file_type"] = gguf_u32(gguf_file_type_of(target));
    const bool quantised = dtype_block_size(target) > 1;
    if (quantised) metadata["general.quantization_version"] = gguf_u32(2);  // GGML_QNT_VERSION
    else metadata.erase("general.quantization_version");

    std::vector<std::vector<uint8_t>> buffers(in.tensors.size());
    std::vector<gguf_writer_tensor> out;
    std::vector<float> row;
    for (size_t i = 0; i < in.tensors.size(); i++) {
        const tensor_view& t = in.tensors[i];
        const dtype type = gguf_convert_type(t, target);
        const int64_t n_cols = t.cols(), n_rows = t.rows();
        const size_t in_row_bytes = dtype_row_bytes(t.type, n_cols), out_row_bytes = dtype_row_bytes(type, n_cols);
        std::vector<uint8_t>& buf = buffers[i];
        buf.resize(out_row_bytes * size_t(n_rows));
        row.resize(size_t(n_cols));
        for (int64_t r = 0; r < n_rows; r++) {
            dequantize_row(t.type, static_cast<const uint8_t*>(t.data) + size_t(r) * in_row_bytes, row.data(), n_cols);
            quantize_row(type, row.data(), buf.data() + size_t(r) * out_row_bytes, n_cols);
        }
        out.push_back({t.name, type, t.shape, buf.data(), buf.size()});
        if (on_tensor) on_tensor(i + 1, in.tensors.size());
    }
    gguf_write(out_path, metadata, out, in.alignment);
}

}  // namespace clinote
