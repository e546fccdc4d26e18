#include "ps/server.h"

#include <mpi.h>

#include <chrono>
#include <list>
#include <thread>

#include "io/checkpoint_file.h"
#include "core/mpi_chunked.h"
#include "core/counters.h"
#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "core/file_ring.h"
#include "ps/server_logic.h"

namespace ampcf::ps {

namespace {

// Polls before sleeping, then sleeps in these steps: a server that spins in MPI_Recv takes a
// whole core from the workers on an oversubscribed node. Across nodes every poll is a system
// call, and fewer busy polls pay: on 3 emulated nodes sharing 2 cores synchronous mode trained
// at 1.4x with 20 instead of 200, but at 0.78x on one node, where a poll is a read of shared
// memory and the sleep only adds latency (docs/scale-out.md).
constexpr int kBusyPolls = 200, kBusyPollsAcrossNetwork = 20, kShortSleepPolls = 2000;
constexpr auto kShortSleep = std::chrono::microseconds(20), kLongSleep = std::chrono::microseconds(200);

// Replies in flight. A server never waits for a worker to take a reply: in the asynchronous
// modes a worker sends its next pull before it pushes, waits for that push to be taken, and takes
// its pull replies one server after the other, so a server blocked in a send to one worker can
// close a cycle of waits with another server blocked on another worker. Replies above MPI's eager
// limit complete only once their receiver has posted its receive; they are kept here until then.
class PendingSends {
 public:
  // Sends `bytes` to world rank `destination` as a `kind` message, keeping the buffer alive.
  void Start(int destination, int kind, std::vector<char> bytes) {
    Send& send = sends_.emplace_back();
    send.destination = destination;
    send.kind = kind;
    send.bytes = std::move(bytes);
    send.started = std::chrono::steady_clock::now();
    IsendChunked(send.bytes.data(), static_cast<std::int64_t>(send.bytes.size()), MPI_CHAR, destination, kind,
                 MPI_COMM_WORLD, send.requests);
  }
  // Frees the buffers of the sends that completed; ends the job (core/peer_wait.h) when the
  // oldest has waited past the peer timeout.
  void Reap() {
    for (auto it = sends_.begin(); it != sends_.end();) {
      int flag = 0;
      AMPCF_CHECK_MPI(MPI_Testall(static_cast<int>(it->requests.size()), it->requests.data(), &flag,
                                  MPI_STATUSES_IGNORE));
      it = flag ? sends_.erase(it) : std::next(it);
    }
    if (!sends_.empty()) {
      const Send& oldest = sends_.front();
      peer::CheckDeadline(std::chrono::duration<double>(std::chrono::steady_clock::now() - oldest.started).count(),
                          Cat("rank ", oldest.destination, " to take a reply (tag ", oldest.kind, ")"));
    }
  }
  // Waits until every send has completed (before the server returns).
  void Finish() {
    for (Send& send : sends_)
      peer::WaitAll(send.requests, Cat("rank ", send.destination, " to take a reply (tag ", send.kind, ")"));
    sends_.clear();
  }

 private:
  struct Send {
    int destination = 0, kind = 0;
    std::vector<char> bytes;
    std::vector<MPI_Request> requests;
    std::chrono::steady_clock::time_point started;
  };
  std::list<Send> sends_;  // in start order; a Send's buffer must not move while MPI reads it
};

// Waits for the next message, completing replies in flight meanwhile. While `logic` waits for a
// worker's push, the wait has the peer deadline (core/peer_wait.h); an idle server (the workers
// evaluating, say) waits without one.
void ReceiveNext(const ServerLogic& logic, PendingSends& sends, int busy_polls, Received& message) {
  sends.Reap();
  auto start = std::chrono::steady_clock::now();
  // Time waiting while something waits on a worker's push counts as blocked; the rest is idle.
  double idle_seconds = 0;
  CountSeconds blocked(logic.waiting_for_pushes() ? Counters().blocked_seconds : idle_seconds);
  const int slowest = logic.slowest_worker();
  const std::string what = logic.waiting_for_pushes() ? Cat("the pushes of worker ", slowest, " (rank ", slowest, ")")
                                                      : std::string("a message (idle)");
  const peer::Waiting waiting(what);
  int idle_polls = 0;
  MPI_Status status;
  while (true) {
    int flag = 0;
    AMPCF_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status));
    if (flag) break;
    ++idle_polls;
    if (idle_polls > busy_polls) std::this_thread::sleep_for(idle_polls > kShortSleepPolls ? kLongSleep : kShortSleep);
    if (idle_polls % 64 == 0) {
      sends.Reap();
      peer::AnswerRollCall();
      const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (logic.waiting_for_pushes())
        peer::CheckDeadline(waited, what);
      else if (peer::CheckCutOff(waited, what))
        start = std::chrono::steady_clock::now();
    }
  }
  message.source = status.MPI_SOURCE;
  message.kind = status.MPI_TAG;
  message.bytes = RecvChunkedBytes(status, MPI_COMM_WORLD);  // a push may pass 2 GiB
  message.received_at = std::chrono::steady_clock::now();
  if (message.kind != kPushPull && !ParseMessage(message.bytes.data(), message.bytes.size(), message.view))
    AbortJob(Cat("server received a malformed message (kind ", message.kind, ", ", message.bytes.size(),
                 " bytes) from rank ", message.source));
}

class MpiPort : public ServerPort {
 public:
  MpiPort(ServerShard& shard, const ServerOptions& options)
      : shard_(shard), options_(options), ring_(options.checkpoint_comm) {}
  void Send(int destination, int kind, std::vector<char> bytes) override {
    sends_.Start(destination, kind, std::move(bytes));
  }
  void WriteCheckpoint(std::int64_t clock) override {
    const std::string path = CheckpointPath(options_.checkpoint_dir, clock) + ".tmp";
    ring_.WriteInTurn(path, [&] { shard_.WriteCheckpoint(path); });
  }
  PendingSends& sends() { return sends_; }

 private:
  ServerShard& shard_;
  const ServerOptions& options_;
  FileRing ring_;
  PendingSends sends_;
};

}  // namespace

void RunServer(ServerShard& shard, const Layout& layout, const ServerOptions& options) {
  MpiPort port(shard, options);
  ServerLogic logic(&shard, &port, layout.n_workers, options.synchronous, options.start_clock);
  while (!logic.finished()) {
    Received message;
    ReceiveNext(logic, port.sends(), options.peers_across_network ? kBusyPollsAcrossNetwork : kBusyPolls, message);
    // Handling less the waits inside it (a reply to a busy worker) is the server's compute.
    const double blocked_before = Counters().blocked_seconds;
    const auto start = std::chrono::steady_clock::now();
    logic.Handle(std::move(message));
    Counters().compute_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
                                  (Counters().blocked_seconds - blocked_before);
  }
  port.sends().Finish();
}

}  // namespace ampcf::ps
