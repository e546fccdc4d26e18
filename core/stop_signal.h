// SIGTERM and SIGINT as a request to stop cleanly: the handler only records the signal; the
// training loop polls it between steps, writes a checkpoint and exits with 128 + signal.
// SIGUSR2 is the same request as SIGTERM (exit 143): it is how a SIGTERM to mpirun reaches the
// ranks at once (launch/ampcf-run forwards it; mpirun itself forwards SIGUSR2 but not SIGTERM).
#pragma once

namespace ampcf {

// Installs the handlers (only when there is somewhere to checkpoint: train --out).
void InstallStopHandlers();
// The signal received so far (SIGUSR2 counts as SIGTERM), or 0.
int StopSignal();

}  // namespace ampcf
