// Writing one checkpoint file from every rank, one rank at a time (serial HDF5): a token passes
// from world rank 0 (worker 0, which creates the file) up the ranks and back to rank 0, which
// then finishes the file. Workers and servers both write through this.
#pragma once

#include <mpi.h>

#include <functional>
#include <string>

namespace ampcf::ps {

class CheckpointRing {
 public:
  // `comm`: a duplicate of MPI_COMM_WORLD reserved for the token; it must outlive this object.
  explicit CheckpointRing(MPI_Comm comm);
  // Waits for this rank's turn (rank 0: goes first), runs `write`, passes the token on; rank 0
  // then waits for the token's return and runs `finish`. A UserError from either ends the job
  // with a message naming this rank and `path` (the other ranks would wait for the token).
  void WriteInTurn(const std::string& path, const std::function<void()>& write,
                   const std::function<void()>& finish = {});

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace ampcf::ps
