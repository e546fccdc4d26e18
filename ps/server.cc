#include "ps/server.h"

#include <mpi.h>

#include <chrono>
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
// whole core from the workers on an oversubscribed node.
constexpr int kBusyPolls = 200, kShortSleepPolls = 2000;
constexpr auto kShortSleep = std::chrono::microseconds(20), kLongSleep = std::chrono::microseconds(200);

// Waits for the next message. While `logic` waits for a worker's push, the wait has the peer
// deadline (core/peer_wait.h); an idle server (the workers evaluating, say) waits without one.
void ReceiveNext(const ServerLogic& logic, Received& message) {
  const auto start = std::chrono::steady_clock::now();
  // Time waiting while something waits on a worker's push counts as blocked; the rest is idle.
  double idle_seconds = 0;
  CountSeconds blocked(logic.waiting_for_pushes() ? Counters().blocked_seconds : idle_seconds);
  int idle_polls = 0;
  MPI_Status status;
  while (true) {
    int flag = 0;
    AMPCF_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status));
    if (flag) break;
    ++idle_polls;
    if (idle_polls > kBusyPolls) std::this_thread::sleep_for(idle_polls > kShortSleepPolls ? kLongSleep : kShortSleep);
    if (idle_polls % 64 == 0) {
      peer::AnswerRollCall();
      if (logic.waiting_for_pushes()) {
        const int worker = logic.slowest_worker();
        peer::CheckDeadline(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                            Cat("the pushes of worker ", worker, " (rank ", worker, ")"));
      }
    }
  }
  message.source = status.MPI_SOURCE;
  message.kind = status.MPI_TAG;
  message.bytes = RecvChunkedBytes(status, MPI_COMM_WORLD);  // a push may pass 2 GiB
  message.received_at = std::chrono::steady_clock::now();
  if (!ParseMessage(message.bytes.data(), message.bytes.size(), message.view))
    AbortJob(Cat("server received a malformed message (kind ", message.kind, ", ", message.bytes.size(),
                 " bytes) from rank ", message.source));
}

class MpiPort : public ServerPort {
 public:
  MpiPort(ServerShard& shard, const ServerOptions& options)
      : shard_(shard), options_(options), ring_(options.checkpoint_comm) {}
  void Send(int destination, int kind, const std::vector<char>& bytes) override {
    SendChunked(bytes.data(), static_cast<std::int64_t>(bytes.size()), MPI_CHAR, destination, kind, MPI_COMM_WORLD);
  }
  void WriteCheckpoint(std::int64_t clock) override {
    const std::string path = CheckpointPath(options_.checkpoint_dir, clock) + ".tmp";
    ring_.WriteInTurn(path, [&] { shard_.WriteCheckpoint(path); });
  }

 private:
  ServerShard& shard_;
  const ServerOptions& options_;
  FileRing ring_;
};

}  // namespace

void RunServer(ServerShard& shard, const Layout& layout, const ServerOptions& options) {
  MpiPort port(shard, options);
  ServerLogic logic(&shard, &port, layout.n_workers, options.synchronous, options.start_clock);
  while (!logic.finished()) {
    Received message;
    ReceiveNext(logic, message);
    // Handling less the waits inside it (a reply to a busy worker) is the server's compute.
    const double blocked_before = Counters().blocked_seconds;
    const auto start = std::chrono::steady_clock::now();
    logic.Handle(std::move(message));
    Counters().compute_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
                                  (Counters().blocked_seconds - blocked_before);
  }
}

}  // namespace ampcf::ps
