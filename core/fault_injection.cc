#include "core/fault_injection.h"

#include <sys/resource.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "core/error.h"

namespace ampcf::fault {

namespace {

std::int64_t stall_at_clock = -1;

std::int64_t ParseCount(const std::string& entry, const std::string& value) {
  std::size_t used = 0;
  long long n = -1;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || n < 0) throw UserError(Cat("AMPCF_FAULTS: '", entry, "' needs a count >= 0"));
  return n;
}

}  // namespace

void Load() {
  const char* text = std::getenv("AMPCF_FAULTS");
  if (text == nullptr) return;
  std::stringstream list(text);
  std::string entry;
  while (std::getline(list, entry, ',')) {
    if (entry.empty()) continue;
    const std::size_t equals = entry.find('=');
    const std::string name = entry.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : entry.substr(equals + 1);
    if (name == "stall-at-clock") {
      stall_at_clock = ParseCount(entry, value);
    } else if (name == "file-size-limit") {
      const rlimit limit{static_cast<rlim_t>(ParseCount(entry, value)), static_cast<rlim_t>(ParseCount(entry, value))};
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) throw UserError(Cat("AMPCF_FAULTS: '", entry, "': setrlimit failed"));
    } else {
      throw UserError(Cat("AMPCF_FAULTS: unknown fault '", entry, "'"));
    }
  }
}

std::int64_t StallAtClock() { return stall_at_clock; }

}  // namespace ampcf::fault
