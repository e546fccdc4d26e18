// Gathering per-user rows owned by many ranks into dense id order on rank 0.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ampcf {

// Collective over `comm`: each rank gives the dense ids it owns and their rows (`width` floats
// each, in the same order); rank 0 receives all n_total rows in dense id order (others: empty).
std::vector<float> GatherDense(MPI_Comm comm, const std::vector<std::int32_t>& ids, const float* rows, int width,
                               std::int64_t n_total);

// Collective over `comm`: every rank's lines, in rank order, on rank 0 (others: empty).
std::vector<std::string> GatherLines(MPI_Comm comm, const std::vector<std::string>& lines);

}  // namespace ampcf
