// Wall-clock helpers for progress lines.
#pragma once

#include <chrono>
#include <cmath>
#include <string>

#include "core/error.h"

namespace ampcf {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// "1h2m", "3m4s", "5s".
inline std::string Duration(double seconds) {
  const long total = std::lround(seconds);
  if (total >= 3600) return Cat(total / 3600, "h", (total % 3600) / 60, "m");
  if (total >= 60) return Cat(total / 60, "m", total % 60, "s");
  return Cat(total, "s");
}

}  // namespace ampcf
