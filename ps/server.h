// The server rank's loop: receive, apply the consistency rule, answer. Returns when every
// worker has sent kDone. Protocol: ps/protocol.h.
#pragma once

#include "partition/layout.h"
#include "ps/server_shard.h"

namespace ampcf::ps {

// synchronous (staleness 0): sum the pushes of each clock in worker order and apply them as one
// step; otherwise apply each push as it arrives, as 1/W of a step (see ps/protocol.h).
void RunServer(ServerShard& shard, const Layout& layout, bool synchronous);

}  // namespace ampcf::ps
