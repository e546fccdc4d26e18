// The MPI world as ampcf sees it: checked MPI calls, collective error handling, job abort.
// Never call MPI_Finalize from a destructor: a rank that unwinds past it would hang its peers.
#pragma once

#include <mpi.h>

#include <string>

#include "core/error.h"

// Wraps every MPI call: a failing call is an internal error that ends the whole job.
#define AMPCF_CHECK_MPI(call)                                                            \
  do {                                                                                   \
    int ampcf_mpi_rc_ = (call);                                                          \
    if (ampcf_mpi_rc_ != MPI_SUCCESS)                                                    \
      ::ampcf::AbortJob(::ampcf::Cat("MPI call failed (code ", ampcf_mpi_rc_, "): ", #call, \
                                     " at ", __FILE__, ":", __LINE__));                  \
  } while (0)

namespace ampcf {

int WorldRank();
int WorldSize();
// Collective over MPI_COMM_WORLD: the number of ranks on this rank's node (shared memory) whose
// `counted` is true.
int RanksOnThisNode(bool counted = true);

// Collective over `comm`: every rank passes whether its part succeeded and, if not, why.
// Returns the message of the lowest failing rank on every rank ("" when all succeeded), so
// that all ranks can exit with the same clear error instead of one rank aborting the rest.
std::string AgreeOnError(bool ok, const std::string& message, MPI_Comm comm = MPI_COMM_WORLD);

// While one lives, `path` (a temporary file this rank helps write) is removed if this process
// ends the job (AbortJob, e.g. a peer timeout in the middle of a write): a job that ends mid-write
// leaves no half-written file. Removing is idempotent; the last live guard is kept per path.
class RemoveOnAbort {
 public:
  explicit RemoveOnAbort(const std::string& path);
  ~RemoveOnAbort();
  RemoveOnAbort(const RemoveOnAbort&) = delete;
  RemoveOnAbort& operator=(const RemoveOnAbort&) = delete;

 private:
  std::string path_;
};

// Broadcasts a string from `root` to every rank of `comm`.
void BroadcastString(std::string& text, int root, MPI_Comm comm);

}  // namespace ampcf
