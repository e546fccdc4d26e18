// The worker's view of the parameter servers (after ps-lite's KVWorker): Pull, Push, Wait.
// Contract: keys are unique and sorted ascending within each table (ps/protocol.h). With one
// rank (colocated layout) the client calls the in-process shard directly.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "partition/layout.h"
#include "ps/server_shard.h"
#include "src/amp_model.h"

namespace ampcf::ps {

class Client {
 public:
  // `local` is the in-process shard of a colocated layout, else nullptr.
  Client(const Layout& layout, const ModelShape& shape, ServerShard* local);

  // Fetches the rows of the keys into item_out (d+1 floats per key) and att_out (da per key),
  // once every worker has pushed `clock` steps. Blocks until all servers have answered.
  void Pull(const std::vector<std::int32_t>& item_keys, const std::vector<std::int32_t>& att_keys, std::int64_t clock,
            float* item_out, float* att_out);
  // Sends gradients laid out as Pull's output, stamped with `clock` (steps completed including
  // this one). Every server gets a message, empty or not, so that it sees every clock. Returns at
  // once; the buffers are the client's own.
  void Push(const std::vector<std::int32_t>& item_keys, const float* item_gradients,
            const std::vector<std::int32_t>& att_keys, const float* att_gradients, std::int64_t clock);
  // Waits until every push has left this process.
  void Wait();
  // Worker 0 only: servers keep (Snapshot) or bring back (Restore) their best rows, or start
  // again from their initial rows (Reset); blocking.
  void Snapshot();
  void Restore();
  void Reset();
  // Worker 0 only: every server folds its rows into their running average and swaps it in once
  // the pushes up to `clock` are applied (`restart`: the average starts from the rows), or swaps
  // the rows back; blocking (ps/protocol.h: kAverageIn, kAverageOut).
  void SwapInAverage(std::int64_t clock, bool restart);
  void SwapOutAverage();
  // Worker 0 only: asks every server to write its rows into the checkpoint of `clock` once the
  // pushes up to it are applied (they then wait for their turn; see ps/protocol.h).
  void RequestCheckpoint(std::int64_t clock);
  // Tells every server this worker is finished.
  void Done();
  // The in-process shard of a colocated layout, else nullptr.
  ServerShard* local_shard() const { return local_; }

 private:
  // Splits keys by owning server: per server, the keys and their positions in the input.
  void Route(const std::vector<std::int32_t>& keys, std::vector<std::vector<std::int32_t>>& keys_of,
             std::vector<std::vector<std::int32_t>>& positions_of) const;
  // A header-only message of `kind` to every server (after the pending pushes).
  void SendControl(int kind, std::int64_t clock = 0, std::int32_t flag = 0);
  void SendControlAndWaitAck(int kind, std::int64_t clock = 0, std::int32_t flag = 0);

  Layout layout_;
  ModelShape shape_;
  ServerShard* local_;
  std::vector<std::vector<std::int32_t>> item_keys_of_, item_positions_of_, att_keys_of_, att_positions_of_;
  std::vector<std::vector<char>> request_buffers_, reply_buffers_, push_buffers_;
  std::vector<MPI_Request> push_requests_;
};

}  // namespace ampcf::ps
