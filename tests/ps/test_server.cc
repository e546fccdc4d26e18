// The server's MPI loop (ps/server.cc) on three ranks: ranks 0 and 1 are workers, rank 2 the
// server (ctest unit_three_ranks; skipped on any other number of ranks).
#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "core/mpi_env.h"
#include "core/peer_wait.h"
#include "partition/layout.h"
#include "ps/protocol.h"
#include "ps/server.h"
#include "tests/amp_shard.h"

namespace ampcf {
namespace {

using testing::Keys;
using testing::ShardOf;
using testing::SmallConfig;

// 20,000 items of 4 floats: a 320 kB pull reply, above every transport's eager limit, so its
// send completes only once the worker has posted the receive.
constexpr std::int64_t kItems = 20000;
constexpr int kServerRank = 2;
constexpr double kReplyDeadlineSeconds = 10;

std::vector<char> PullOfAllItems(int worker, const std::vector<std::int32_t>& items) {
  ps::Header header;
  header.worker = worker;
  header.n_keys[0] = static_cast<std::int32_t>(items.size());
  const std::vector<std::int32_t> no_attention_rows;
  std::vector<char> bytes;
  ps::BuildMessage(header, Keys(items, no_attention_rows), 0, bytes);
  return bytes;
}

// Blocks until the server takes the message (worker 0's pull: the server is free then).
void Send(const std::vector<char>& bytes, int kind) {
  AMPCF_CHECK_MPI(MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_CHAR, kServerRank, kind, MPI_COMM_WORLD));
}

void SendDone(int worker) {
  ps::Header header;
  header.worker = worker;
  std::vector<char> bytes;
  ps::BuildKeylessMessage(header, 0, bytes);
  Send(bytes, ps::kDone);
}

// The cycle of waits seen under load (asynchronous mode, 2 servers) needs a server that waits
// for one worker to take its reply while another worker waits on that server. Here worker 0
// leaves its reply untaken until worker 1 has had its own, or has waited kReplyDeadlineSeconds.
TEST(ServerLoop, AnswersAWorkerWhileAnotherHasNotTakenItsReply) {
  if (WorldSize() != 3) GTEST_SKIP() << "needs 3 ranks: mpirun -np 3 ampcf_tests --gtest_filter='ServerLoop.*'";
  peer::SetTimeout(60);
  MPI_Comm side;  // the workers' own signals, apart from the server's traffic
  AMPCF_CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &side));
  const int rank = WorldRank();
  std::vector<std::int32_t> items(kItems);
  std::iota(items.begin(), items.end(), 0);
  const std::size_t reply_bytes = sizeof(ps::Header) + kItems * (SmallConfig().dim + 1) * sizeof(float);
  std::vector<char> reply(reply_bytes);

  if (rank == kServerRank) {
    ps::ServerShard shard = ShardOf(SmallConfig(), kItems);
    Layout layout;
    layout.world_size = 3;
    layout.world_rank = rank;
    layout.n_workers = 2;
    layout.n_servers = 1;
    layout.colocated = false;
    ps::ServerOptions options;
    options.synchronous = false;
    options.checkpoint_comm = side;
    ps::RunServer(shard, layout, options);
  } else if (rank == 0) {
    Send(PullOfAllItems(0, items), ps::kPull);
    AMPCF_CHECK_MPI(MPI_Send(nullptr, 0, MPI_CHAR, 1, 0, side));  // my pull is on its way
    int taken = 0;  // worker 1 has finished waiting for its reply
    AMPCF_CHECK_MPI(MPI_Recv(&taken, 1, MPI_INT, 1, 1, side, MPI_STATUS_IGNORE));
    AMPCF_CHECK_MPI(MPI_Recv(reply.data(), static_cast<int>(reply.size()), MPI_CHAR, kServerRank, ps::kPullReply,
                             MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    SendDone(0);
  } else {
    AMPCF_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_CHAR, 0, 0, side, MPI_STATUS_IGNORE));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server has worker 0's pull first
    // The pull (80 kB of keys) may itself wait for the server to take it: sent without blocking.
    const std::vector<char> pull = PullOfAllItems(1, items);
    MPI_Request requests[2];
    AMPCF_CHECK_MPI(MPI_Isend(pull.data(), static_cast<int>(pull.size()), MPI_CHAR, kServerRank, ps::kPull,
                              MPI_COMM_WORLD, &requests[0]));
    AMPCF_CHECK_MPI(MPI_Irecv(reply.data(), static_cast<int>(reply.size()), MPI_CHAR, kServerRank, ps::kPullReply,
                              MPI_COMM_WORLD, &requests[1]));
    int received = 0;
    const auto start = std::chrono::steady_clock::now();
    while (!received && std::chrono::steady_clock::now() - start < std::chrono::duration<double>(kReplyDeadlineSeconds)) {
      AMPCF_CHECK_MPI(MPI_Testall(2, requests, &received, MPI_STATUSES_IGNORE));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(received) << "the server held worker 1's reply until worker 0 took its own";
    const int finished = 1;
    AMPCF_CHECK_MPI(MPI_Send(&finished, 1, MPI_INT, 0, 1, side));
    if (!received) AMPCF_CHECK_MPI(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE));
    SendDone(1);
  }
  AMPCF_CHECK_MPI(MPI_Comm_free(&side));
}

}  // namespace
}  // namespace ampcf
