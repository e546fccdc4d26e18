// Gathering small per-rank lists on rank 0 (string ids of users, for the files rank 0 writes).
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

namespace ampcf {

// Collective over `comm`: every rank's lines, in rank order, on rank 0 (others: empty).
std::vector<std::string> GatherLines(MPI_Comm comm, const std::vector<std::string>& lines);

}  // namespace ampcf
