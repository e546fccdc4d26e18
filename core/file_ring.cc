#include "core/file_ring.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"

namespace ampcf {

namespace {
constexpr int kTokenTag = 0;

// Waits for the token from `from` (a rank of `comm`); the ranks before may still be writing.
void ReceiveToken(int from, MPI_Comm comm, const std::string& path) {
  MPI_Request request;
  AMPCF_CHECK_MPI(MPI_Irecv(nullptr, 0, MPI_CHAR, from, kTokenTag, comm, &request));
  peer::Wait(request, Cat("the turn to write ", path, " (from rank ", peer::WorldRankOf(comm, from), ")"));
}
}  // namespace

FileRing::FileRing(MPI_Comm comm) : comm_(comm) {
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank_));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size_));
}

void FileRing::WriteInTurn(const std::string& path, const std::function<void()>& write,
                                 const std::function<void()>& finish) {
  const RemoveOnAbort cleanup(path);  // a peer timeout mid-write ends the job from inside here
  try {
    if (rank_ != 0) ReceiveToken(rank_ - 1, comm_, path);
    write();
    if (size_ > 1) {
      AMPCF_CHECK_MPI(MPI_Send(nullptr, 0, MPI_CHAR, (rank_ + 1) % size_, kTokenTag, comm_));
      if (rank_ == 0) ReceiveToken(size_ - 1, comm_, path);
    }
    if (rank_ == 0 && finish) finish();
  } catch (const UserError& error) {
    const int cause = errno;  // the failed write's, where HDF5 or the stream left it
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    std::string message = error.what();
    if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);
    if (cause == ENOSPC || cause == EFBIG || cause == EDQUOT || cause == EIO || cause == EROFS)
      message += Cat(" (", std::strerror(cause), ")");
    AbortJob(Cat("could not write ", path, ": ", message, "; the file is removed, earlier files are untouched"), 2);
  }
}

}  // namespace ampcf
