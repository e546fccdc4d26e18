// SIGTERM and SIGINT as a request to stop cleanly: the handler only records the signal; the
// training loop polls it between steps, writes a checkpoint and exits with 128 + signal.
#pragma once

namespace ampcf {

// Installs the handlers (only when there is somewhere to checkpoint: train --out).
void InstallStopHandlers();
// The signal received so far, or 0.
int StopSignal();

}  // namespace ampcf
