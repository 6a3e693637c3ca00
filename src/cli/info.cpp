// clinote info: what a GGUF model file holds (architecture, metadata, tensors by type).
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "io/gguf.h"
#include "quant/quant.h"

namespace clinote {

namespace {

struct info_options {
    std::string path;
    bool tensors = false;
    size_t array_items = 6;
};

std::string format_bytes(double bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.2f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

std::string format_shape(const std::vector<int64_t>& shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); i++) out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

void run_info(const info_options& opt) {
    const gguf_file g = gguf_open(opt.path);
    std::printf("%s: GGUF v%u, %s, alignment %u\n", opt.path.c_str(), g.version, format_bytes(double(g.file.size)).c_str(),
                g.alignment);
    std::printf("architecture: %s\n", g.get_string("general.architecture").value_or("(not set)").c_str());
    std::printf("metadata: %zu keys\n", g.metadata.size());
    for (const auto& [key, value] : g.metadata)
        std::printf("  %s = %s\n", key.c_str(), gguf_value_to_string(value, opt.array_items).c_str());

    struct type_total {
        int64_t tensors = 0, params = 0;
        size_t bytes = 0;
    };
    std::map<std::string, type_total> by_type;
    type_total all;
    for (const tensor_view& t : g.tensors) {
        for (type_total* s : {&by_type[dtype_name(t.type)], &all}) {
            s->tensors++;
            s->params += t.numel();
            s->bytes += t.nbytes;
        }
    }
    std::printf("tensors: %lld, %lld parameters, %s of data\n", (long long)all.tensors, (long long)all.params,
                format_bytes(double(all.bytes)).c_str());
    for (const auto& [name, s] : by_type)
        std::printf("  %-5s %5lld tensors %12lld parameters %12s\n", name.c_str(), (long long)s.tensors, (long long)s.params,
                    format_bytes(double(s.bytes)).c_str());
    if (opt.tensors)
        for (const tensor_view& t : g.tensors)
            std::printf("  %-40s %-5s %s\n", t.name.c_str(), dtype_name(t.type), format_shape(t.shape).c_str());
}

}  // namespace

void add_info_command(CLI::App& app) {
    auto opt = std::make_shared<info_options>();
    CLI::App* cmd = app.add_subcommand("info", "Show what a GGUF model file holds: architecture, metadata, tensors by type");
    cmd->add_option("model", opt->path, "The .gguf file")->required();
    cmd->add_flag("--tensors", opt->tensors, "Also list every tensor with its type and shape (PyTorch order)");
    cmd->add_option("--array-items", opt->array_items, "How many elements of each metadata array to show")
        ->capture_default_str();
    cmd->callback([opt] { run_info(*opt); });
}

}  // namespace clinote
