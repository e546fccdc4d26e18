// Moving users between ranks: from the parts of every rank's parse (data/parallel_parse.h) to
// the shares a run's workers hold (data/user_share.h).
#pragma once

#include <mpi.h>

#include "data/dataset.h"

namespace ampcf {

// Collective over `comm`: moves the users of every rank's part (ParseInParallel) to the rank
// that asks for their share: share `index` of `shares` (data/user_share.h), -1 for none; every
// rank asking for a share asks with the same `shares`. Returns this rank's share.
Dataset MoveToShares(Dataset part, int index, int shares, MPI_Comm comm);

}  // namespace ampcf
