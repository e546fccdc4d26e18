#include "core/stop_signal.h"

#include <csignal>

namespace ampcf {

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void RecordStopSignal(int signal) { g_stop_signal = signal; }
}  // namespace

void InstallStopHandlers() {
  std::signal(SIGTERM, RecordStopSignal);
  std::signal(SIGINT, RecordStopSignal);
}

int StopSignal() { return g_stop_signal; }

}  // namespace ampcf
