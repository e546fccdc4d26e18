#include "core/stop_signal.h"

#include <csignal>

namespace ampcf {

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void RecordStopSignal(int signal) { g_stop_signal = signal; }
// mpirun forwards SIGUSR2 to every rank at once but answers its own SIGTERM with a kill
// sequence, so launch/ampcf-run passes a SIGTERM on as SIGUSR2; it stands for that SIGTERM.
extern "C" void RecordForwardedTerm(int) { g_stop_signal = SIGTERM; }
}  // namespace

void InstallStopHandlers() {
  std::signal(SIGTERM, RecordStopSignal);
  std::signal(SIGINT, RecordStopSignal);
  std::signal(SIGUSR2, RecordForwardedTerm);
}

int StopSignal() { return g_stop_signal; }

}  // namespace ampcf
