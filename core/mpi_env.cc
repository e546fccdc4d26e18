#include "core/mpi_env.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <vector>

#include "core/mpi_chunked.h"

namespace ampcf {

int WorldRank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return 0;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int WorldSize() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return 1;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

void AbortJob(const std::string& message, int code) {
  std::fprintf(stderr, "ampcf: rank %d: %s\n", WorldRank(), message.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void BroadcastString(std::string& text, int root, MPI_Comm comm) {
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  unsigned long long length = text.size();
  AMPCF_CHECK_MPI(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm));
  if (rank != root) text.assign(length, '\0');
  BcastChunked(text.data(), static_cast<std::int64_t>(length), MPI_CHAR, root, comm);
}

std::string AgreeOnError(bool ok, const std::string& message, MPI_Comm comm) {
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  int first_failing = ok ? size : rank;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &first_failing, 1, MPI_INT, MPI_MIN, comm));
  if (first_failing == size) return "";
  std::string text = rank == first_failing ? message : std::string();
  BroadcastString(text, first_failing, comm);
  return text;
}

}  // namespace ampcf
