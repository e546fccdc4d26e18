#include "core/gather.h"

#include <algorithm>

#include "core/mpi_chunked.h"

namespace ampcf {

std::vector<float> GatherDense(MPI_Comm comm, const std::vector<std::int32_t>& ids, const float* rows, int width,
                               std::int64_t n_total) {
  // Point-to-point pieces with 64-bit offsets: n_total * width passes INT_MAX on large models.
  const std::int64_t count = static_cast<std::int64_t>(ids.size());
  const std::vector<std::int64_t> counts = GatherCounts(count, 0, comm);
  std::vector<std::int64_t> row_counts(counts.size());
  std::int64_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    row_counts[r] = counts[r] * width;
    total += counts[r];
  }
  std::vector<std::int32_t> all_ids(static_cast<std::size_t>(total));
  std::vector<float> gathered(static_cast<std::size_t>(total) * width);
  GatherChunked(ids.data(), count, MPI_INT32_T, all_ids.data(), counts, 0, comm);
  GatherChunked(rows, count * width, MPI_FLOAT, gathered.data(), row_counts, 0, comm);
  std::vector<float> dense;
  if (counts.empty()) return dense;  // not rank 0
  dense.resize(static_cast<std::size_t>(n_total) * width);
  for (std::size_t i = 0; i < all_ids.size(); ++i)
    std::copy_n(&gathered[i * width], width, &dense[static_cast<std::size_t>(all_ids[i]) * width]);
  return dense;
}

}  // namespace ampcf
