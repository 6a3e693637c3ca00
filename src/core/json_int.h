// A number read from JSON that came from outside (a model's config.json, tokenizer.json,
// a vault archive, a request): nlohmann's get<int>() on a number that does not fit (1e70,
// -1 as unsigned, 3e9 as int32) is undefined behaviour or a silent wrap. Integral floats
// (2048.0) are accepted, as Python reads them.
#pragma once
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace clinote {

// The value of v as a T, or nothing when v is not a number or does not fit T exactly.
template <class T, class Json>
std::optional<T> json_int_get(const Json& v) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    if (v.is_number_unsigned()) {
        const auto u = v.template get<uint64_t>();
        if (u > uint64_t(std::numeric_limits<T>::max())) return std::nullopt;
        return T(u);
    }
    if (v.is_number_integer()) {
        const auto i = v.template get<int64_t>();
        if constexpr (std::is_unsigned_v<T>) {
            if (i < 0 || uint64_t(i) > uint64_t(std::numeric_limits<T>::max())) return std::nullopt;
        } else {
            if (i < int64_t(std::numeric_limits<T>::min()) || i > int64_t(std::numeric_limits<T>::max())) return std::nullopt;
        }
        return T(i);
    }
    if (v.is_number_float()) {
        const double d = v.template get<double>();
        // 2^63 and 2^64 are exact doubles; the bounds are written so that no cast is out of range.
        const double lo = double(std::numeric_limits<T>::min()), hi_exclusive = 2.0 * (double(std::numeric_limits<T>::max() / 2) + 1.0);
        if (!std::isfinite(d) || d != std::floor(d) || d < lo || d >= hi_exclusive) return std::nullopt;
        return T(d);
    }
    return std::nullopt;
}

// The same, or a clinote::error "where: expected an integer from MIN to MAX".
template <class T, class Json>
T json_int(const Json& v, const std::string& where) {
    if (const auto r = json_int_get<T>(v)) return *r;
    fail(where, "expected an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
                    std::to_string(std::numeric_limits<T>::max()) + ", got " + v.dump().substr(0, 40));
}

// v as a T, or nothing when it is not one: integers range-checked (json_int_get), anything
// else as nlohmann's get<T>() reads it.
template <class T, class Json>
std::optional<T> json_get(const Json& v) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return json_int_get<T>(v);
    } else {
        try {
            return v.template get<T>();
        } catch (const typename Json::exception&) {
            return std::nullopt;
        }
    }
}

// obj[key] as a T, fallback when obj has no such member (or it is null); an error naming
// "where: key" when it is there and not a T.
template <class T, class Json>
T json_int_or(const Json& obj, const char* key, T fallback, const std::string& where) {
    if (!obj.is_object()) return fallback;
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    return json_int<T>(*it, where + ": " + key);
}

// Every number anywhere in j fits a float (|x| <= FLT_MAX): a file whose numbers are read as
// floats (a model's config.json) is refused naming where, instead of a conversion out of
// range, which is undefined behaviour.
template <class Json>
void json_numbers_fit_float(const Json& j, const std::string& where) {
    if (j.is_number_float() && !(std::fabs(j.template get<double>()) <= double(std::numeric_limits<float>::max())))
        fail(where, "the number " + j.dump() + " is beyond the range of a float");
    if (j.is_structured())
        for (const auto& child : j) json_numbers_fit_float(child, where);
}

}  // namespace clinote
