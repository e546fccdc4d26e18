// Waiting for other ranks with a deadline. A rank that stops answering without dying (a stopped
// process, a network partition) would otherwise leave every rank that waits for it blocked
// forever, since MPI notices only ranks that exit. So the waits of a run go through here: they
// poll their requests, and a rank that has waited longer than the peer timeout holds a roll call
// (every rank waiting here, or polling with AnswerRollCall, answers within a few milliseconds; a
// stopped or cut-off one cannot) and ends the job with one line naming what it waited for, the
// ranks that did not answer, and what each rank that answered is waiting for.
//
// The progress watchdog covers what a single wait's deadline cannot: waits that each end in time
// while no step completes (a livelock). While a rank watches its progress (WatchProgress), a wait
// or a poll that finds no NoteProgress for the peer timeout ends the job the same way.
//
// A polling wait costs what an MPI blocking call costs in Open MPI (which also polls); past the
// first polls it yields the core, so that an oversubscribed node's other ranks run.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/mpi_env.h"

namespace ampcf::peer {

// Collective over MPI_COMM_WORLD, once, after MPI_Init: opens the roll-call channel. Without it
// (tests' own mains) a timeout still ends the job, without the roll call.
void Start();
// Seconds a rank may wait for a peer (--peer-timeout); 0 waits forever. Default 300.
void SetTimeout(double seconds);
double Timeout();

// How a wait polls once its first polls found nothing. kYield gives up the core between polls
// (a message on the critical path: a synchronous step's pull). kSleep sleeps between polls (a
// worker with later steps' pulls in flight): every poll of a TCP link is a system call, and on a
// node with more ranks than cores the sleeping rank leaves its core to one that computes. A wait
// longer than 10 ms sleeps either way.
enum class Pace { kYield, kSleep };

// Completes every request of `requests` (MPI_REQUEST_NULL entries are skipped). `what` names
// what is awaited, with world ranks ("the pull reply of server 1 (rank 2)"), for the message.
void WaitAll(std::vector<MPI_Request>& requests, const std::string& what, Pace pace = Pace::kYield);
void Wait(MPI_Request& request, const std::string& what, MPI_Status* status = MPI_STATUS_IGNORE);
// MPI_Probe with the deadline.
void Probe(int source, int tag, MPI_Comm comm, MPI_Status& status, const std::string& what);

// Collectives with the deadline (their non-blocking forms, waited for here).
void Allreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm,
               const std::string& what);
void Barrier(MPI_Comm comm, const std::string& what);
void Bcast(void* data, int count, MPI_Datatype type, int root, MPI_Comm comm, const std::string& what);
void Gather(const void* send, int send_count, MPI_Datatype send_type, void* receive, int receive_count,
            MPI_Datatype receive_type, int root, MPI_Comm comm, const std::string& what);

// For loops that poll by themselves (a server waiting for messages): answers pending roll calls.
void AnswerRollCall();
// A poll loop's deadline: ends the job (roll call first) once `waited_seconds` passes the
// timeout, or once the watched progress has stalled that long.
void CheckDeadline(double waited_seconds, const std::string& what);

// For a wait with no deadline of its own (an idle server): once `waited_seconds` passes the
// timeout, holds a roll call, and ends the job if no other rank answers it (this rank is cut
// off). Returns whether it held one (the caller then counts its wait afresh).
bool CheckCutOff(double waited_seconds, const std::string& what);

// What this rank is, for others' messages ("worker 1", "server 0"); set once its role is known.
void SetRole(const std::string& role);
// What this rank waits for while it lives, in roll-call answers ("waits 12 s for ..."). The
// waits above set their own; loops that poll by themselves set one. Nested: the innermost counts.
class Waiting {
 public:
  explicit Waiting(const std::string& what);
  ~Waiting();
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;

 private:
  const Waiting* outer_;
  std::string what_;
  double start_;
  friend std::string State();
};
// The rank's state as a roll call reports it: role, steps, and what it waits for.
std::string State();

// The progress watchdog (see above): a step completed, `steps` in all.
void NoteProgress(std::int64_t steps);
// While one lives, this rank's progress is watched (a training epoch): the watch starts afresh.
class WatchProgress {
 public:
  WatchProgress();
  ~WatchProgress();
  WatchProgress(const WatchProgress&) = delete;
  WatchProgress& operator=(const WatchProgress&) = delete;
};

// The world rank of `rank` in `comm`, for messages.
int WorldRankOf(MPI_Comm comm, int rank);

}  // namespace ampcf::peer
