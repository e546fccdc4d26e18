// The server rank's loop: receive, apply the consistency rule, answer. Returns when every
// worker has sent kDone. Protocol: ps/protocol.h.
#pragma once

#include "partition/layout.h"
#include "ps/server_shard.h"

namespace ampcf::ps {

// deterministic: apply the pushes of each clock in worker order (see ps/protocol.h).
void RunServer(ServerShard& shard, const Layout& layout, bool deterministic);

}  // namespace ampcf::ps
