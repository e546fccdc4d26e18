// Settings of a computing process, made once at its start (the ampcf binary, the benchmarks).
#pragma once

namespace ampcf {

// - Flushes denormal floats to zero: they appear once the attention softmax saturates and slow
//   the math several-fold.
// - Keeps freed memory in the process: glibc hands freed memory at the top of the heap back to
//   the system past 128 KiB and serves larger blocks by mmap, so a step's scratch (GEMM results of
//   0.1-1 MiB whose sizes vary with the batch) was page-faulted in afresh at every step: the
//   kernel alone ran 7x slower (ampcf_bench: 71k against 546k pairs/s). Up to 64 MiB of freed
//   memory is kept, and only blocks above 32 MiB are mmapped (they go back when freed).
// - Ignores SIGXFSZ: a write past the file size limit (ulimit -f) then fails with EFBIG, and the
//   writer ends the job naming its file, instead of the signal killing one rank unannounced.
void SetUpComputeProcess();
// The first point alone, for the calling thread (each thread has its own mode).
void SetFloatingPointMode();

}  // namespace ampcf
