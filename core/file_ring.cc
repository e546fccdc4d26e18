#include "core/file_ring.h"

#include "core/error.h"
#include "core/mpi_env.h"

namespace ampcf {

namespace {
constexpr int kTokenTag = 0;
}  // namespace

FileRing::FileRing(MPI_Comm comm) : comm_(comm) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size_));
}

void FileRing::WriteInTurn(const std::string& path, const std::function<void()>& write,
                                 const std::function<void()>& finish) {
  try {
    if (rank_ != 0) AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, rank_ - 1, kTokenTag, comm_, MPI_STATUS_IGNORE));
    write();
    if (size_ > 1) {
      AMPCF_CHECK_MPI(MPI_Send(nullptr, 0, MPI_CHAR, (rank_ + 1) % size_, kTokenTag, comm_));
      if (rank_ == 0) AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, size_ - 1, kTokenTag, comm_, MPI_STATUS_IGNORE));
    }
    if (rank_ == 0 && finish) finish();
  } catch (const UserError& error) {
    // Earlier files are untouched: this one never got its final name.
    AbortJob(Cat("rank ", rank_, " could not write ", path, ": ", error.what()));
  }
}

}  // namespace ampcf
