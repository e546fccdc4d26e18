// Faults that tests inject into a real job, named in the environment variable AMPCF_FAULTS
// (mpirun -x AMPCF_FAULTS=... gives every rank the same list): comma-separated NAME=VALUE
//   file-size-limit=BYTES   RLIMIT_FSIZE of the process from its start: a write past BYTES fails
//                           with EFBIG, as on a full disk (tests/full_disk.sh)
//   stall-at-clock=C        a worker that has completed step C stops there, answering roll
//                           calls: no rank waits long on another, yet nothing advances (the
//                           progress watchdog's case, tests/peer_timeout.sh)
// Unset, every query is one branch. A malformed list ends the process, naming the entry.
#pragma once

#include <cstdint>

namespace ampcf::fault {

// Reads AMPCF_FAULTS and sets the file size limit; once, at the process's start.
void Load();

std::int64_t StallAtClock();     // -1: none

}  // namespace ampcf::fault
