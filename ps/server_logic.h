// The parameter server's consistency rule, without MPI: when a push is applied (at once, or
// summed with the other workers' pushes of its clock), when a pull may be answered (once the
// clock it waits for is reached: bounded staleness), and when a checkpoint or the epoch's
// average may be taken (once every worker's pushes up to its clock are applied).
// ps/server.cc feeds it messages from MPI; tests feed it by hand. Protocol: ps/protocol.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "core/counters.h"
#include "ps/protocol.h"
#include "ps/server_shard.h"

namespace ampcf::ps {

// A received message and its parsed view (which points into `bytes`, and its values into
// `decoded` when they travelled in a 16- or 8-bit format). A kPushPull is parsed by Handle.
struct Received {
  int source = 0;  // world rank of the sender
  int kind = 0;
  std::vector<char> bytes;
  MessageView view;
  std::vector<float> decoded;
  std::chrono::steady_clock::time_point received_at{};  // for the queue-time counter (unset: not counted)
};

// What the rule needs of the world around it.
class ServerPort {
 public:
  virtual ~ServerPort() = default;
  // Sends `bytes` (possibly empty) of `kind` to world rank `destination`, after the earlier
  // sends to it. Must return without waiting for the destination to receive: a worker may be
  // waiting on another server before it takes this reply, and a server that waited for it would
  // close a cycle of waits (ps/server.cc).
  virtual void Send(int destination, int kind, std::vector<char> bytes) = 0;
  // Writes this server's rows into the checkpoint of `clock`, in its turn.
  virtual void WriteCheckpoint(std::int64_t clock) = 0;
};

class ServerLogic {
 public:
  // *shard and *port must outlive this object. `synchronous`: staleness 0 (ps/protocol.h);
  // `start_clock`: the clock of the checkpoint resumed from (0 for a fresh run).
  ServerLogic(ServerShard* shard, ServerPort* port, int n_workers, bool synchronous, std::int64_t start_clock);

  // Handles one message and everything it makes ready, in this order: due checkpoints, due
  // averages, waiting pulls (in arrival order). A kPushPull is its push, then its pull.
  void Handle(Received message);
  // Every worker has sent kDone.
  bool finished() const { return done_ == n_workers_; }
  // Pulls may be answered up to this clock: the applied clock (synchronous) or the slowest
  // worker's pushed clock (asynchronous).
  std::int64_t ready_clock() const;
  std::size_t waiting_pulls() const { return waiting_pulls_.size(); }
  // Something waits for a worker's push: a pull, a checkpoint or an average.
  bool waiting_for_pushes() const {
    return !waiting_pulls_.empty() || !checkpoint_clocks_.empty() || !average_requests_.empty();
  }
  // The worker whose pushes are the furthest behind (the lowest index among equals).
  int slowest_worker() const;

 private:
  std::int64_t slowest_pushed() const;
  // Every worker's pushes up to `clock` have arrived and been applied.
  bool all_applied(std::int64_t clock) const { return clock <= ready_clock() && slowest_pushed() >= clock; }
  void HandleOne(Received message);
  void HandlePushPull(Received message);
  void AnswerPull(const Received& pull);
  // A push in a 16- or 8-bit format: its values decoded to float32 (a float32 push is read in place).
  void DecodePush(Received& push) const;
  void OnPush(Received push);
  void Acknowledge(int destination);

  ServerShard* shard_;
  std::vector<int> widths_;  // per table
  ServerPort* port_;
  int n_workers_;
  bool synchronous_;
  std::vector<std::int64_t> pushed_clock_;                 // per worker
  std::int64_t applied_clock_;                             // synchronous mode
  std::map<std::int64_t, std::vector<Received>> pending_;  // synchronous mode: clock -> pushes by worker
  std::deque<std::int64_t> checkpoint_clocks_;             // requested, not yet written
  std::deque<Received> average_requests_;                  // kAverageIn, not yet done
  std::deque<Received> waiting_pulls_;
  std::vector<PushedGradients> clock_pushes_;
  std::vector<float> read_scratch_;  // a 16- or 8-bit reply's rows before encoding
  RankCounters counters_mark_;  // kCounters flag 1
  int done_ = 0;
};

}  // namespace ampcf::ps
