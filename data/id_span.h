// The span of a range of original ids, for the tables preparation keeps over such a range.
#pragma once

#include <cstdint>

namespace ampcf {

// high - low for low <= high, in unsigned arithmetic: ids may span more than int64's range.
inline std::uint64_t IdSpan(std::int64_t low, std::int64_t high) {
  return static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
}

}  // namespace ampcf
