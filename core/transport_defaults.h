// Open MPI settings that ampcf's traffic needs, made before MPI_Init.
#pragma once

namespace ampcf {

// Sends messages of up to 1 MiB over TCP eagerly (Open MPI's default is 64 KiB). A step's
// pull reply is 50-150 kB; past the eager limit it travels by rendezvous, whose second half
// leaves only when the receiver's next MPI call acknowledges the first, and a worker that is
// computing makes none. The reply's receive is posted in advance (ps/remote_servers.cc), so an
// eager reply lands in place; a push waits at the server as an unexpected message, at most
// --pulls-in-flight per worker.
//
// A user who set any of the three in the environment (OMPI_MCA_btl_tcp_eager_limit and the
// others, or mpirun --mca, which sets the same variables) keeps all three as they are. Settings
// in an MCA parameter file (~/.openmpi/mca-params.conf) rank below the environment in Open MPI,
// so they do not win: set them with --mca instead. Must be called before MPI_Init.
void SetTransportDefaults();

}  // namespace ampcf
