// Writing one file from every rank of a communicator, one rank at a time (serial HDF5): a token
// passes from rank 0 (which creates the file) up the ranks and back to rank 0, which then
// finishes the file. Checkpoints (workers and servers), model.h5 and eval.h5 are written so, and
// no rank ever holds another's rows.
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

namespace ampcf {

class FileRing {
 public:
  // `comm`: the writing ranks, with no other point-to-point traffic of tag 0 during a write; it
  // must outlive this object.
  explicit FileRing(MPI_Comm comm);
  // Waits for this rank's turn (rank 0: goes first), runs `write`, passes the token on; rank 0
  // then waits for the token's return and runs `finish`. `path` is the temporary file the ranks
  // write and `finish` renames into place. A UserError from either removes `path` (a full disk
  // gets its space back; earlier files are untouched) and ends the job with one line naming this
  // rank, `path` and, where the system said, why (no space left, file too large). A job ended
  // by another failure during the write (a peer timeout) removes `path` too.
  void WriteInTurn(const std::string& path, const std::function<void()>& write,
                   const std::function<void()>& finish = {});

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace ampcf
