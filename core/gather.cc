#include "core/gather.h"

#include <algorithm>

#include "core/mpi_env.h"

namespace ampcf {

std::vector<float> GatherDense(MPI_Comm comm, const std::vector<std::int32_t>& ids, const float* rows, int width,
                               std::int64_t n_total) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  int count = static_cast<int>(ids.size());
  std::vector<int> counts(size), displacements(size, 0), row_counts(size), row_displacements(size, 0);
  AMPCF_CHECK_MPI(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::vector<std::int32_t> all_ids;
  std::vector<float> gathered;
  if (rank == 0) {
    for (int r = 1; r < size; ++r) displacements[r] = displacements[r - 1] + counts[r - 1];
    all_ids.resize(displacements.back() + counts.back());
    gathered.resize(all_ids.size() * width);
    for (int r = 0; r < size; ++r) {
      row_counts[r] = counts[r] * width;
      row_displacements[r] = displacements[r] * width;
    }
  }
  AMPCF_CHECK_MPI(MPI_Gatherv(ids.data(), count, MPI_INT32_T, all_ids.data(), counts.data(), displacements.data(),
                              MPI_INT32_T, 0, comm));
  AMPCF_CHECK_MPI(MPI_Gatherv(rows, count * width, MPI_FLOAT, gathered.data(), row_counts.data(),
                              row_displacements.data(), MPI_FLOAT, 0, comm));
  std::vector<float> dense;
  if (rank != 0) return dense;
  dense.resize(static_cast<std::size_t>(n_total) * width);
  for (std::size_t i = 0; i < all_ids.size(); ++i)
    std::copy_n(&gathered[i * width], width, &dense[static_cast<std::size_t>(all_ids[i]) * width]);
  return dense;
}

std::vector<std::string> GatherLines(MPI_Comm comm, const std::vector<std::string>& lines) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  int length = static_cast<int>(text.size());
  std::vector<int> lengths(size), starts(size, 0);
  AMPCF_CHECK_MPI(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, comm));
  std::string all;
  if (rank == 0) {
    for (int r = 1; r < size; ++r) starts[r] = starts[r - 1] + lengths[r - 1];
    all.resize(static_cast<std::size_t>(starts.back()) + lengths.back());
  }
  AMPCF_CHECK_MPI(MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), starts.data(), MPI_CHAR, 0, comm));
  std::vector<std::string> out;
  for (std::size_t start = 0, end; (end = all.find('\n', start)) != std::string::npos; start = end + 1)
    out.push_back(all.substr(start, end - start));
  return out;
}

}  // namespace ampcf
