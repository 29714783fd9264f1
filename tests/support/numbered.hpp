// numbered("k", 7) == "k7": the names tests give the keys, datasets and tokens they make in loops.
// Not `"k" + std::to_string(i)`: at -O2/-O3 GCC 12 inlines that operator+ (const char*, std::string&&)
// and then warns that a memcpy in it may overlap (-Wrestrict, a false positive: GCC bugs 105329, 105651).
#pragma once

#include <concepts>
#include <string>
#include <string_view>

namespace synclatch::test {

inline std::string numbered(std::string_view prefix, std::integral auto n) {
    std::string name(prefix);
    name += std::to_string(n);
    return name;
}

}  // namespace synclatch::test
