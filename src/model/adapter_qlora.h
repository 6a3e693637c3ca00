// QLoRA's frozen base: the model's linear layers re-quantised to NF4 with double
// quantisation (quant/nf4.h) in memory, so training and inference dequantise them block by
// block inside the matmul.
#pragma once
#include <cstddef>

#include "model/model.h"

namespace clinote {

struct nf4_report {
    int converted = 0;        // linear weights now NF4
    int skipped = 0;          // rows not a whole number of 64-value blocks: kept as they were
    size_t bytes_before = 0;  // of the converted weights
    size_t bytes_after = 0;
};

// Re-quantises every linear weight of every layer (q, k, v, o, gate, up, down) whose rows
// are whole blocks of 64 values, from whatever type it was loaded in, each as one
// bitsandbytes tensor. The embedding table and head stay as they are (as in QLoRA).
nf4_report model_quantize_nf4(model& m);

}  // namespace clinote
