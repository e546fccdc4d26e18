#include "core/counters.h"

namespace ampcf {

RankCounters& Counters() {
  static RankCounters counters;
  return counters;
}

}  // namespace ampcf
