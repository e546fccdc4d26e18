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

// A push: gradients laid out as a pull's output (rows of keys[t] in key order, per table),
// stamped with `clock` (steps completed including this one, or the last clock again for a flush
// in the asynchronous modes: ps/protocol.h). Every server gets it, empty or not, so that it sees
// every clock.
// `repeats` (empty, or per table: null or one count per key): the steps each gradient row is the
// mean of (ps/protocol.h); absent counts are 1.
struct PushRequest {
  const TableKeys* keys = nullptr;
  std::vector<const float*> gradients;
  std::int64_t clock = 0;
  std::vector<const std::int32_t*> repeats;
};
// A pull: the rows of keys[t] of every table t, once every worker has pushed `clock` steps.
// `exact`: as float32 whatever the wire format (rows that are evaluated or saved).
struct PullRequest {
  const TableKeys* keys = nullptr;
  std::int64_t clock = 0;
  bool exact = false;
};

class Servers {
 public:
  virtual ~Servers() = default;
  // Sends a push, a pull, or both (null: none) as one message per server (ps/protocol.h:
  // kPushPull); the push is applied before the pull is answered. Returns at once: keys and
  // gradients are copied. Pulls may be in flight several at a time; their rows are taken by
  // FinishPull in the order they were sent.
  virtual void Send(const PushRequest* push, const PullRequest* pull) = 0;
  // Waits for the rows of the oldest pull in flight and writes them to out[t] (key order).
  virtual void FinishPull(const std::vector<float*>& out) = 0;
  void StartPull(const TableKeys& keys, std::int64_t clock, bool exact = false) {
    const PullRequest pull{&keys, clock, exact};
    Send(nullptr, &pull);
  }
  void Push(const TableKeys& keys, const std::vector<const float*>& gradients, std::int64_t clock) {
    const PushRequest push{&keys, gradients, clock, {}};
    Send(&push, nullptr);
  }
  // Blocking pull of exact rows (no other pull may be in flight): evaluation, the model file.
  void Pull(const TableKeys& keys, std::int64_t clock, const std::vector<float*>& out) {
    StartPull(keys, clock, /*exact=*/true);
    FinishPull(out);
  }
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
// `widths`: the row width of each server table. `wire_bits`: rows and gradients travel in 32,
// 16 or 8 bits (ps/wire_format.h); colocated servers read and write float32 in place regardless.
std::unique_ptr<Servers> ConnectServers(const Layout& layout, const std::vector<int>& widths, ServerShard* colocated,
                                        int wire_bits);

}  // namespace ampcf::ps
