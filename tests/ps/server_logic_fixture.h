// A parameter server without MPI for tests/ps/test_server_logic.cc (its only includer): a shard of
// the small AMP-CF model, a port that records what the server sends, and the messages two
// workers send it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "models/amp/amp_cf.h"
#include "ps/protocol.h"
#include "ps/server_logic.h"
#include "ps/server_shard.h"
#include "ps/wire_format.h"
#include "tests/amp_shard.h"

namespace ampcf {
namespace {


using testing::Keys;
using testing::ShardOf;
using testing::SmallConfig;

constexpr std::int64_t kItems = 5;  // rows of the items table (the attention table has 2 * dim)


// Every row of both tables, items first, in key order.
std::vector<float> AllRows(const ps::ServerShard& shard) {
  std::vector<std::int32_t> items(kItems), att(2 * SmallConfig().dim);
  for (std::size_t k = 0; k < items.size(); ++k) items[k] = static_cast<std::int32_t>(k);
  for (std::size_t k = 0; k < att.size(); ++k) att[k] = static_cast<std::int32_t>(k);
  std::vector<float> rows(items.size() * shard.width(0) + att.size() * shard.width(1));
  shard.ReadRows(Keys(items, att), rows.data());
  return rows;
}

// Workers' world ranks differ from their worker indices, so a test sees whether a reply goes to
// the sender's rank.
constexpr int kFirstWorkerRank = 3;
int RankOf(int worker) { return kFirstWorkerRank + worker; }

// One push (or pull): its keys per table and, for a push, its gradients laid out as ReadRows'.
struct Rows {
  std::vector<std::int32_t> items, att;
  std::vector<float> values;
  ps::KeyLists keys() const { return Keys(items, att); }
  ps::PushedGradients pushed() const { return {keys(), values.data()}; }
};

// Keys with gradients base, base + 0.01, ... (distinct per coordinate, so a misplaced row shows).
Rows Gradients(std::vector<std::int32_t> items, std::vector<std::int32_t> att, float base) {
  const TrainConfig config = SmallConfig();
  Rows rows{std::move(items), std::move(att), {}};
  rows.values.resize(rows.items.size() * (config.dim + 1) + rows.att.size() * AmpOptions::From(config.model_options).att_dim);
  for (std::size_t i = 0; i < rows.values.size(); ++i) rows.values[i] = base + 0.01f * static_cast<float>(i);
  return rows;
}

// Two workers' pushes of one clock that share rows (item 3, attention row 0), so their sum matters.
Rows PushOfWorker0() { return Gradients({1, 3}, {0}, 0.1f); }
Rows PushOfWorker1() { return Gradients({0, 3}, {0, 4}, -0.3f); }

// A message as ps/server.cc hands it over: built, then parsed so that `view` points into `bytes`
// (moving the Received later keeps the vector's buffer, so the view stays valid).
ps::Received Message(int kind, int worker, std::int64_t clock, const ps::KeyLists& keys = {},
                     const std::vector<float>& values = {}, std::int32_t flag = 0) {
  ps::Header header;
  header.worker = worker;
  header.flag = flag;
  header.clock = clock;
  for (int t = 0; t < ps::kMaxTables; ++t) header.n_keys[t] = keys.n[t];
  ps::Received message;
  message.source = RankOf(worker);
  message.kind = kind;
  float* out = ps::BuildMessage(header, keys, values.size(), message.bytes);
  std::copy(values.begin(), values.end(), out);
  EXPECT_TRUE(ps::ParseMessage(message.bytes.data(), message.bytes.size(), message.view));
  return message;
}

ps::Received Push(int worker, std::int64_t clock, const Rows& push) {
  return Message(ps::kPush, worker, clock, push.keys(), push.values);
}
ps::Received Pull(int worker, std::int64_t clock, const Rows& pull) { return Message(ps::kPull, worker, clock, pull.keys()); }
ps::Received Control(int kind, int worker, std::int64_t clock = 0, std::int32_t flag = 0) {
  return Message(kind, worker, clock, {}, {}, flag);
}

struct Sent {
  int destination;
  int kind;
  std::vector<char> bytes;
};

// Records what the server sends and when it writes its part of a checkpoint.
class RecordingPort : public ps::ServerPort {
 public:
  void Send(int destination, int kind, std::vector<char> bytes) override {
    sent.push_back({destination, kind, std::move(bytes)});
  }
  void WriteCheckpoint(std::int64_t clock) override {
    checkpoints.push_back(clock);
    if (on_checkpoint) on_checkpoint();
  }
  std::vector<Sent> Of(int kind) const {
    std::vector<Sent> out;
    for (const Sent& s : sent)
      if (s.kind == kind) out.push_back(s);
    return out;
  }

  std::vector<Sent> sent;
  std::vector<std::int64_t> checkpoints;
  std::function<void()> on_checkpoint;  // called at each write: what the shard holds then
};

// A shard, its port and the rule between them (not movable: the rule points at the other two).
struct Server {
  explicit Server(int n_workers, bool synchronous, std::int64_t start_clock = 0, const TrainConfig& config = SmallConfig(),
                  double average_decay = 0)
      : shard(ShardOf(config, kItems, average_decay)), logic(&shard, &port, n_workers, synchronous, start_clock) {}

  ps::ServerShard shard;
  RecordingPort port;
  ps::ServerLogic logic;
};

constexpr int kTwoWorkers = 2;
constexpr bool kSynchronous = true, kAsynchronous = false;

// Both workers' pushes of `clock`, worker 0 first.
void PushClock(Server& server, std::int64_t clock) {
  server.logic.Handle(Push(0, clock, PushOfWorker0()));
  server.logic.Handle(Push(1, clock, PushOfWorker1()));
}

}  // namespace
}  // namespace ampcf
