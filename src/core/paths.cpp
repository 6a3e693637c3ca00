#include "core/paths.h"

#include <cstdlib>
#include <filesystem>

namespace clinote {

namespace {

// <executable's folder>/../share/clinote, when it exists.
std::string installed_dir() {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "";
    const std::filesystem::path share = exe.parent_path().parent_path() / "share" / "clinote";
    return std::filesystem::is_directory(share, ec) ? share.string() : "";
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v && *v ? v : "";
}

}  // namespace

std::string source_dir() { return CLINOTE_SOURCE_DIR; }

std::string shared_dir() {
    if (const std::string e = env("CLINOTE_SHARED"); !e.empty()) return e;
    return source_dir() + "/../shared";
}

std::string app_dir() {
    if (const std::string e = env("CLINOTE_HOME"); !e.empty()) return e;
    if (const std::string installed = installed_dir(); !installed.empty()) return installed;
    return source_dir();
}

std::string models_dir() {
    if (const std::string e = env("CLINOTE_MODELS"); !e.empty()) return e;
    if (env("CLINOTE_HOME").empty() && installed_dir().empty()) return source_dir() + "/models";
    if (const std::string xdg = env("XDG_DATA_HOME"); !xdg.empty()) return xdg + "/clinote/models";
    return env("HOME") + "/.local/share/clinote/models";
}

}  // namespace clinote
