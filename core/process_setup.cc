#include "core/process_setup.h"

#include <malloc.h>
#include <csignal>
#include <pmmintrin.h>
#include <xmmintrin.h>

namespace ampcf {

namespace {
constexpr int kTrimThresholdBytes = 64 << 20, kMmapThresholdBytes = 32 << 20;
}  // namespace

void SetFloatingPointMode() {
  _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
  _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
}

void SetUpComputeProcess() {
  SetFloatingPointMode();
  mallopt(M_TRIM_THRESHOLD, kTrimThresholdBytes);
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  std::signal(SIGXFSZ, SIG_IGN);
}

}  // namespace ampcf
