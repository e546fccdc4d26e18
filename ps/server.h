// The server rank's loop: receive, apply the consistency rule, answer. Returns when every
// worker has sent kDone. Protocol: ps/protocol.h.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>

#include "partition/layout.h"
#include "ps/server_shard.h"

namespace ampcf::ps {

struct ServerOptions {
  // Staleness 0: sum the pushes of each clock in worker order and apply them as one step;
  // otherwise apply each push as it arrives, as one step (see ps/protocol.h).
  bool synchronous = true;
  std::int64_t start_clock = 0;  // the clock of the checkpoint resumed from
  std::string checkpoint_dir;    // where kCheckpoint writes
  MPI_Comm checkpoint_comm = MPI_COMM_NULL;  // a duplicate of MPI_COMM_WORLD for the writing token
  // Some rank runs on another node. Each poll for a message then runs Open MPI's TCP event loop,
  // a system call, so the server polls less before it sleeps.
  bool peers_across_network = false;
};

void RunServer(ServerShard& shard, const Layout& layout, const ServerOptions& options);

}  // namespace ampcf::ps
