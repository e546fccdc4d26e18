// The worker's view of the parameter servers (after ps-lite's KVWorker): Pull, Push, Wait and
// the control calls. Two implementations: LocalServers calls the colocated shard of a one-rank
// run in process; RemoteServers talks to server ranks over MPI (ps/protocol.h).
// Contract: keys[t] are the keys of server table t, unique and sorted ascending.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/counters.h"
#include "partition/layout.h"
#include "ps/server_shard.h"

namespace ampcf::ps {

using TableKeys = std::vector<std::vector<std::int32_t>>;

class Servers {
 public:
  virtual ~Servers() = default;
  // Fetches the rows of the keys of every table t into out[t] (in key order), once every worker
  // has pushed `clock` steps. Blocks until all servers have answered.
  void Pull(const TableKeys& keys, std::int64_t clock, const std::vector<float*>& out) {
    StartPull(keys, clock);
    FinishPull(out);
  }
  // Pull in two halves, so that a step's pull is in flight while the step before computes:
  // StartPull sends the requests (the keys are copied); FinishPull waits for the rows. One pull
  // at a time; pushes may come in between (a pull sent before a push of the same worker does
  // not see that push).
  virtual void StartPull(const TableKeys& keys, std::int64_t clock) = 0;
  virtual void FinishPull(const std::vector<float*>& out) = 0;
  // Sends gradients laid out as Pull's output, stamped with `clock` (steps completed including
  // this one). Every server gets a message, empty or not, so that it sees every clock. Returns at
  // once; the data are copied.
  virtual void Push(const TableKeys& keys, const std::vector<const float*>& gradients, std::int64_t clock) = 0;
  // Waits until every push has left this process.
  virtual void Wait() = 0;
  // Worker 0 only, blocking: servers keep (Snapshot) or bring back (Restore) their best rows,
  // or start again from their initial rows (Reset).
  virtual void Snapshot() = 0;
  virtual void Restore() = 0;
  virtual void Reset() = 0;
  // Worker 0 only, blocking: every server folds its rows into their running average and swaps
  // it in once the pushes up to `clock` are applied (`restart`: the average starts from the
  // rows), or swaps the rows back (ps/protocol.h: kAverageIn, kAverageOut).
  virtual void SwapInAverage(std::int64_t clock, bool restart) = 0;
  virtual void SwapOutAverage() = 0;
  // Worker 0 only: asks every server rank to write its rows into the checkpoint of `clock` once
  // the pushes up to it are applied; they then wait for their turn (core/file_ring.h).
  virtual void RequestCheckpoint(std::int64_t clock) = 0;
  // Writes the rows held in this process (the colocated shard) into the checkpoint at `path`,
  // in the calling worker's turn; server ranks write in their own turns.
  virtual void WriteRowsHeldHere(const std::string& path) = 0;
  // Worker 0 only: every server rank marks its counters (core/counters.h) at an epoch's start,
  // or (blocking) reports what they counted since the mark, one entry per server rank (none
  // when the servers are in this process: its own counters include them).
  virtual void MarkCounters() = 0;
  virtual std::vector<RankCounters> CountersSinceMark() = 0;
  // Tells every server this worker is finished.
  virtual void Done() = 0;
};

// `colocated`: the shard of a one-rank layout, else nullptr (then the servers are MPI ranks).
// `widths`: the row width of each server table.
std::unique_ptr<Servers> ConnectServers(const Layout& layout, const std::vector<int>& widths, ServerShard* colocated);

}  // namespace ampcf::ps
