// What a worker's training works with (worker/trainer.h and its parts).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "models/model.h"
#include "options/config.h"
#include "partition/layout.h"
#include "ps/servers.h"

namespace ampcf {

// Everything must outlive the trainer. `workers`: the communicator of the worker ranks (rank 0 in
// it is world rank 0); `checkpoint_comm`: a duplicate of MPI_COMM_WORLD for the checkpoint token.
struct TrainerContext {
  const Dataset* data = nullptr;
  const DataConfig* data_config = nullptr;
  const TrainConfig* config = nullptr;
  Layout layout;
  MPI_Comm workers = MPI_COMM_NULL, checkpoint_comm = MPI_COMM_NULL;
  ps::Servers* servers = nullptr;
  Model* model = nullptr;
  // This worker's users held out of training (--exclude-users): no positives, not evaluated.
  std::vector<std::int32_t> left_out;
};

// What a worker waits for in a collective over the workers (core/peer_wait.h).
inline constexpr const char* kOtherWorkers = "the other workers";

}  // namespace ampcf
