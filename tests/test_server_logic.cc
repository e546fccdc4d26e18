// The parameter server without MPI: its consistency rule (ps/server_logic.h: when pushes are
// applied, when pulls, checkpoints and averages may go ahead), the wire format it parses
// (ps/protocol.h) and the routing of keys to servers (ps/routing.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "models/amp/amp_cf.h"
#include "tests/amp_shard.h"
#include "ps/protocol.h"
#include "ps/routing.h"
#include "ps/server_logic.h"
#include "ps/server_shard.h"
#include "ps/wire_format.h"

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
  rows.values.resize(rows.items.size() * (config.dim + 1) + rows.att.size() * config.att_dim);
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

// --- synchronous mode -----------------------------------------------------------------------

TEST(ServerLogic, SynchronousPushIsHeldUntilEveryWorkerHasPushedItsClock) {
  Server server(kTwoWorkers, kSynchronous);
  const std::vector<float> initial = AllRows(server.shard);
  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(AllRows(server.shard), initial);
  EXPECT_EQ(server.logic.ready_clock(), 0);
}

TEST(ServerLogic, SynchronousClockIsOneStepOnThePushesSummedInWorkerOrder) {
  Server server(kTwoWorkers, kSynchronous);
  const Rows push0 = PushOfWorker0(), push1 = PushOfWorker1();
  server.logic.Handle(Push(1, 1, push1));  // worker 1 first: arrival order is not the sum's order
  server.logic.Handle(Push(0, 1, push0));
  EXPECT_EQ(server.logic.ready_clock(), 1);

  ps::ServerShard reference = ShardOf(SmallConfig(), kItems);
  reference.ApplyClock({push0.pushed(), push1.pushed()});
  EXPECT_EQ(AllRows(server.shard), AllRows(reference));  // bitwise
}

// With three workers the order of a float sum shows: in worker order (1 - 1) + tiny == tiny, in
// any other order the tiny gradient is lost against a 1 and the sum is 0. Without L2 a zero
// gradient leaves a row where it is, a tiny one moves it.
TEST(ServerLogic, SynchronousSumFollowsWorkerIndexNotArrivalOrder) {
  constexpr int kThreeWorkers = 3;
  constexpr float kTiny = 1e-8f;  // under half an ulp of 1
  TrainConfig config = SmallConfig();
  config.l2 = 0;
  Server server(kThreeWorkers, kSynchronous, 0, config);
  // Every worker pushes item 2 only, the same gradient in each of its coordinates.
  auto item_2 = [&](float gradient) { return Rows{{2}, {}, std::vector<float>(config.dim + 1, gradient)}; };
  const Rows push0 = item_2(1.0f), push1 = item_2(-1.0f), push2 = item_2(kTiny);
  server.logic.Handle(Push(2, 1, push2));
  server.logic.Handle(Push(0, 1, push0));
  server.logic.Handle(Push(1, 1, push1));

  ps::ServerShard in_worker_order = ShardOf(config, kItems), in_arrival_order = ShardOf(config, kItems);
  in_worker_order.ApplyClock({push0.pushed(), push1.pushed(), push2.pushed()});
  in_arrival_order.ApplyClock({push2.pushed(), push0.pushed(), push1.pushed()});
  ASSERT_NE(AllRows(in_worker_order), AllRows(in_arrival_order)) << "the values do not tell the orders apart";
  EXPECT_EQ(AllRows(server.shard), AllRows(in_worker_order));
}

TEST(ServerLogic, SynchronousPullWaitsUntilItsClockIsAppliedThenGetsTheUpdatedRows) {
  Server server(kTwoWorkers, kSynchronous);
  const Rows pulled{{0, 3, 4}, {0, 1, 5}, {}};  // rows both pushes touch, and rows neither does
  server.logic.Handle(Push(0, 1, PushOfWorker0()));
  server.logic.Handle(Pull(1, 1, pulled));
  EXPECT_TRUE(server.port.Of(ps::kPullReply).empty());
  EXPECT_EQ(server.logic.waiting_pulls(), 1u);

  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(server.logic.waiting_pulls(), 0u);
  const std::vector<Sent> replies = server.port.Of(ps::kPullReply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].destination, RankOf(1));
  ps::MessageView reply;
  ASSERT_TRUE(ps::ParseMessage(replies[0].bytes.data(), replies[0].bytes.size(), reply));
  EXPECT_EQ(reply.header.clock, 1);
  EXPECT_EQ(ps::KeyCount(reply.header), 0u);  // the puller knows its keys
  std::vector<float> expected(3 * server.shard.width(0) + 3 * server.shard.width(1));
  server.shard.ReadRows(pulled.keys(), expected.data());
  ASSERT_EQ(reply.n_values, expected.size());
  EXPECT_EQ(std::vector<float>(reply.values, reply.values + reply.n_values), expected);
  // The reply carries the rows after the update, not before it.
  std::vector<float> initial(expected.size());
  ShardOf(SmallConfig(), kItems).ReadRows(pulled.keys(), initial.data());
  EXPECT_NE(expected, initial);
}

TEST(ServerLogic, WaitingPullsAreAnsweredInArrivalOrder) {
  Server server(kTwoWorkers, kSynchronous);
  const Rows pulled{{1}, {}, {}};
  server.logic.Handle(Pull(1, 1, pulled));
  server.logic.Handle(Pull(0, 1, pulled));
  PushClock(server, 1);
  const std::vector<Sent> replies = server.port.Of(ps::kPullReply);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].destination, RankOf(1));
  EXPECT_EQ(replies[1].destination, RankOf(0));
}

// --- asynchronous mode ----------------------------------------------------------------------

TEST(ServerLogic, AsynchronousPushIsAppliedOnArrival) {
  Server server(kTwoWorkers, kAsynchronous);
  const Rows push0 = PushOfWorker0(), push1 = PushOfWorker1();
  ps::ServerShard reference = ShardOf(SmallConfig(), kItems);  // each push: its worker's own batch

  server.logic.Handle(Push(1, 1, push1));
  reference.ApplyGradients(push1.keys(), push1.values.data());
  EXPECT_EQ(AllRows(server.shard), AllRows(reference));

  server.logic.Handle(Push(0, 1, push0));
  reference.ApplyGradients(push0.keys(), push0.values.data());
  EXPECT_EQ(AllRows(server.shard), AllRows(reference));
}

TEST(ServerLogic, AsynchronousPullWaitsForTheSlowestWorkersPush) {
  Server server(kTwoWorkers, kAsynchronous);
  const Rows pulled{{1}, {0}, {}};
  server.logic.Handle(Push(0, 1, PushOfWorker0()));
  server.logic.Handle(Push(0, 2, PushOfWorker0()));  // worker 0 runs ahead
  server.logic.Handle(Pull(0, 1, pulled));
  server.logic.Handle(Pull(0, 2, pulled));
  EXPECT_EQ(server.logic.ready_clock(), 0);
  EXPECT_EQ(server.logic.waiting_pulls(), 2u);

  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(server.logic.ready_clock(), 1);
  std::vector<Sent> replies = server.port.Of(ps::kPullReply);
  ASSERT_EQ(replies.size(), 1u);
  ps::MessageView reply;
  ASSERT_TRUE(ps::ParseMessage(replies[0].bytes.data(), replies[0].bytes.size(), reply));
  EXPECT_EQ(reply.header.clock, 1);
  EXPECT_EQ(server.logic.waiting_pulls(), 1u);

  server.logic.Handle(Push(1, 2, PushOfWorker1()));
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 2u);
  EXPECT_EQ(server.logic.waiting_pulls(), 0u);
}

// --- checkpoints, averages, control messages ------------------------------------------------

TEST(ServerLogic, CheckpointIsWrittenOnceEveryPushUpToItsClockIsApplied) {
  Server server(kTwoWorkers, kSynchronous);
  std::vector<float> rows_written;
  server.port.on_checkpoint = [&] { rows_written = AllRows(server.shard); };
  constexpr std::int64_t kCheckpointClock = 2;
  PushClock(server, 1);
  server.logic.Handle(Push(0, 2, PushOfWorker0()));
  server.logic.Handle(Control(ps::kCheckpoint, 0, kCheckpointClock));
  EXPECT_TRUE(server.port.checkpoints.empty());

  server.logic.Handle(Push(1, 2, PushOfWorker1()));
  EXPECT_EQ(server.port.checkpoints, std::vector<std::int64_t>{kCheckpointClock});
  EXPECT_EQ(rows_written, AllRows(server.shard));  // clock 2 was applied before the write
  // Later messages do not write it again.
  PushClock(server, 3);
  EXPECT_EQ(server.port.checkpoints.size(), 1u);
}

TEST(ServerLogic, AsynchronousCheckpointWaitsForTheSlowestWorker) {
  Server server(kTwoWorkers, kAsynchronous);
  server.logic.Handle(Push(0, 1, PushOfWorker0()));
  server.logic.Handle(Control(ps::kCheckpoint, 0, 1));
  EXPECT_TRUE(server.port.checkpoints.empty());
  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(server.port.checkpoints, std::vector<std::int64_t>{1});
}

TEST(ServerLogic, AverageInIsAcknowledgedOnceItsClockIsApplied) {
  Server server(kTwoWorkers, kSynchronous, /*start_clock=*/0, SmallConfig(), /*average_decay=*/0.5);
  constexpr std::int32_t kRestart = 1;
  server.logic.Handle(Push(0, 1, PushOfWorker0()));
  server.logic.Handle(Control(ps::kAverageIn, 0, 1, kRestart));
  EXPECT_TRUE(server.port.Of(ps::kAck).empty());
  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  const std::vector<Sent> acks = server.port.Of(ps::kAck);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].destination, RankOf(0));
}

// Flag 1 restarts the running average from the rows, flag 0 folds the rows into it.
TEST(ServerLogic, AverageInFlagChoosesRestartOrFold) {
  constexpr double kDecay = 0.25;
  Server server(kTwoWorkers, kSynchronous, 0, SmallConfig(), kDecay);
  const Rows push0 = PushOfWorker0(), push1 = PushOfWorker1();
  auto apply_clock = [&](std::int64_t clock) {
    server.logic.Handle(Push(0, clock, push0));
    server.logic.Handle(Push(1, clock, push1));
  };
  apply_clock(1);
  server.logic.Handle(Control(ps::kAverageIn, 0, 1, /*flag=*/1));
  server.logic.Handle(Control(ps::kAverageOut, 0));
  apply_clock(2);
  server.logic.Handle(Control(ps::kAverageIn, 0, 2, /*flag=*/0));

  auto reference = [&](bool second_restart) {
    ps::ServerShard shard = ShardOf(SmallConfig(), kItems, kDecay);
    shard.ApplyClock({push0.pushed(), push1.pushed()});
    shard.SwapInAverage(true);
    shard.SwapOutAverage();
    shard.ApplyClock({push0.pushed(), push1.pushed()});
    shard.SwapInAverage(second_restart);
    return AllRows(shard);
  };
  ASSERT_NE(reference(false), reference(true));
  EXPECT_EQ(AllRows(server.shard), reference(false));
  EXPECT_EQ(server.port.Of(ps::kAck).size(), 3u);
}

TEST(ServerLogic, SnapshotRestoreAndResetAreAcknowledgedAtOnce) {
  Server server(kTwoWorkers, kSynchronous);
  server.logic.Handle(Push(0, 1, PushOfWorker0()));  // clock 1 is still open: acks do not wait for it
  std::size_t expected_acks = 0;
  for (int kind : {ps::kSnapshot, ps::kRestore, ps::kReset}) {
    server.logic.Handle(Control(kind, 0));
    const std::vector<Sent> acks = server.port.Of(ps::kAck);
    ASSERT_EQ(acks.size(), ++expected_acks) << "kind " << kind;
    EXPECT_EQ(acks.back().destination, RankOf(0));
  }
}

TEST(ServerLogic, RestoreBringsBackTheSnapshotRows) {
  Server server(kTwoWorkers, kSynchronous);
  PushClock(server, 1);
  server.logic.Handle(Control(ps::kSnapshot, 0));
  const std::vector<float> snapshot = AllRows(server.shard);
  PushClock(server, 2);
  ASSERT_NE(AllRows(server.shard), snapshot);
  server.logic.Handle(Control(ps::kRestore, 0));
  EXPECT_EQ(AllRows(server.shard), snapshot);
}

TEST(ServerLogic, ResetReturnsTheInitialRows) {
  Server server(kTwoWorkers, kSynchronous);
  const std::vector<float> initial = AllRows(server.shard);
  PushClock(server, 1);
  ASSERT_NE(AllRows(server.shard), initial);
  server.logic.Handle(Control(ps::kReset, 0));
  EXPECT_EQ(AllRows(server.shard), initial);
}

TEST(ServerLogic, FinishedOnlyOnceEveryWorkerSentDone) {
  Server server(kTwoWorkers, kSynchronous);
  EXPECT_FALSE(server.logic.finished());
  server.logic.Handle(Control(ps::kDone, 1));
  EXPECT_FALSE(server.logic.finished());
  server.logic.Handle(Control(ps::kDone, 0));
  EXPECT_TRUE(server.logic.finished());
  EXPECT_TRUE(server.port.sent.empty());  // kDone has no reply
}

// --- resuming from a checkpoint -------------------------------------------------------------

constexpr std::int64_t kResumedClock = 5;

TEST(ServerLogic, ResumedServerAnswersAPullForItsStartClockAtOnce) {
  Server server(kTwoWorkers, kSynchronous, kResumedClock);
  server.logic.Handle(Pull(0, kResumedClock, Rows{{2}, {1}, {}}));
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 1u);
  EXPECT_EQ(server.logic.waiting_pulls(), 0u);
}

TEST(ServerLogic, ResumedServerAppliesTheClockAfterItsStart) {
  Server server(kTwoWorkers, kSynchronous, kResumedClock);
  const Rows push0 = PushOfWorker0(), push1 = PushOfWorker1();
  server.logic.Handle(Push(0, kResumedClock + 1, push0));
  server.logic.Handle(Push(1, kResumedClock + 1, push1));
  EXPECT_EQ(server.logic.ready_clock(), kResumedClock + 1);
  ps::ServerShard reference = ShardOf(SmallConfig(), kItems);
  reference.ApplyClock({push0.pushed(), push1.pushed()});
  EXPECT_EQ(AllRows(server.shard), AllRows(reference));
}

// --- the wire format ------------------------------------------------------------------------

// A push and a pull as one kPushPull buffer (ps/protocol.h), in `format` (the push's values and
// the pull's reply).
ps::Received PushPull(int worker, std::int64_t clock, const Rows& push, std::int64_t pull_clock, const Rows& pull,
                      ps::ValueFormat format = ps::ValueFormat::kFloat32) {
  ps::Header push_header;
  push_header.worker = worker;
  push_header.clock = clock;
  push_header.format = static_cast<std::int32_t>(format);
  const ps::KeyLists push_keys = push.keys(), pull_keys = pull.keys();
  for (int t = 0; t < ps::kMaxTables; ++t) push_header.n_keys[t] = push_keys.n[t];
  ps::Header pull_header = push_header;
  pull_header.clock = pull_clock;
  // A worker that pushes in 16 bits asks for its rows in float16 (ps/wire_format.h).
  pull_header.format = static_cast<std::int32_t>(format == ps::ValueFormat::kFloat32 ? format : ps::ValueFormat::kFloat16);
  for (int t = 0; t < ps::kMaxTables; ++t) pull_header.n_keys[t] = pull_keys.n[t];
  ps::Received message;
  message.source = RankOf(worker);
  message.kind = ps::kPushPull;
  char* values = ps::BuildMessageAt(push_header, push_keys, push.values.size(), message.bytes, sizeof(std::uint64_t));
  ps::EncodeValues(push.values.data(), push.values.size(), format, values);
  const std::uint64_t push_bytes = message.bytes.size() - sizeof(std::uint64_t);
  std::memcpy(message.bytes.data(), &push_bytes, sizeof(push_bytes));
  ps::BuildMessageAt(pull_header, pull_keys, 0, message.bytes, message.bytes.size());
  return message;
}

std::vector<float> ReplyValues(const Sent& reply) {
  ps::MessageView view;
  EXPECT_TRUE(ps::ParseMessage(reply.bytes.data(), reply.bytes.size(), view));
  std::vector<float> values(view.n_values);
  ps::DecodeValues(view.encoded, view.n_values, ps::FormatOf(view.header), values.data());
  return values;
}

TEST(ServerLogic, PushPullAppliesThePushThenAnswersThePull) {
  Server server(1, kAsynchronous);
  const Rows pulled{{1, 3}, {0}, {}};
  server.logic.Handle(PushPull(0, 1, PushOfWorker0(), 0, pulled));
  Server reference(1, kAsynchronous);
  reference.logic.Handle(Push(0, 1, PushOfWorker0()));
  std::vector<float> expected(2 * reference.shard.width(0) + reference.shard.width(1));
  reference.shard.ReadRows(pulled.keys(), expected.data());
  const std::vector<Sent> replies = server.port.Of(ps::kPullReply);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].destination, RankOf(0));
  EXPECT_EQ(ReplyValues(replies[0]), expected);
  EXPECT_EQ(AllRows(server.shard), AllRows(reference.shard));
}

TEST(ServerLogic, SynchronousPushPullWaitsForTheOtherWorkersPushOfItsClock) {
  Server server(kTwoWorkers, kSynchronous);
  server.logic.Handle(PushPull(0, 1, PushOfWorker0(), 1, Rows{{3}, {}, {}}));
  EXPECT_TRUE(server.port.Of(ps::kPullReply).empty());
  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 1u);
}

TEST(ServerLogic, SixteenBitPushAndPullReplyMatchFloat32WithinTheirPrecision) {
  Server wide(1, kAsynchronous), narrow(1, kAsynchronous);
  const Rows pulled{{0, 1, 3, 4}, {0, 1, 5}, {}};
  wide.logic.Handle(PushPull(0, 1, PushOfWorker0(), 0, pulled));
  narrow.logic.Handle(PushPull(0, 1, PushOfWorker0(), 0, pulled, ps::ValueFormat::kBFloat16));
  // The pushed gradients were rounded to bfloat16; Adam's first step is about lr * sign, so the
  // rows agree closely, not exactly.
  const std::vector<float> rows = AllRows(wide.shard), narrow_rows = AllRows(narrow.shard);
  ASSERT_EQ(rows.size(), narrow_rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_NEAR(narrow_rows[i], rows[i], 1e-4) << i;
  const std::vector<float> exact = ReplyValues(wide.port.Of(ps::kPullReply)[0]);
  const Sent reply = narrow.port.Of(ps::kPullReply)[0];
  EXPECT_EQ(reply.bytes.size(), sizeof(ps::Header) + 2 * exact.size());  // half the bytes
  const std::vector<float> half = ReplyValues(reply);  // a 16-bit push asks for 16-bit rows (float16)
  ASSERT_EQ(half.size(), exact.size());
  std::vector<float> narrow_exact(exact.size());
  narrow.shard.ReadRows(pulled.keys(), narrow_exact.data());
  for (std::size_t i = 0; i < half.size(); ++i) EXPECT_NEAR(half[i], narrow_exact[i], std::abs(narrow_exact[i]) * 0x1p-11) << i;
}

TEST(ServerLogic, AsynchronousFlushRepeatsTheClockAndIsApplied) {
  Server server(kTwoWorkers, kAsynchronous);
  server.logic.Handle(Push(0, 1, PushOfWorker0()));
  const std::vector<float> after_one = AllRows(server.shard);
  server.logic.Handle(Push(0, 1, PushOfWorker0()));  // a flush: the same clock again
  EXPECT_NE(AllRows(server.shard), after_one);
  server.logic.Handle(Pull(1, 2, Rows{{1}, {}, {}}));  // waits for clock 2 of both workers
  server.logic.Handle(Push(1, 1, Rows{}));
  server.logic.Handle(Push(1, 2, Rows{}));
  EXPECT_TRUE(server.port.Of(ps::kPullReply).empty());  // worker 0 is still at clock 1
  server.logic.Handle(Push(0, 2, Rows{}));
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 1u);
}

TEST(Protocol, BuildThenParseRoundTripsHeaderKeysAndValues) {
  ps::Header header;
  header.worker = 3;
  header.flag = 1;
  header.clock = std::int64_t{1} << 40;  // wider than 32 bits
  // One list per table, one of them empty.
  const std::vector<std::vector<std::int32_t>> lists = {{1, 4, 7}, {}, {0, 2}, {9}};
  ps::KeyLists keys;
  for (int t = 0; t < ps::kMaxTables; ++t) {
    keys.keys[t] = lists[t].data();
    keys.n[t] = header.n_keys[t] = static_cast<std::int32_t>(lists[t].size());
  }
  constexpr std::size_t kValues = 11;
  std::vector<char> buffer;
  float* values = ps::BuildMessage(header, keys, kValues, buffer);
  for (std::size_t i = 0; i < kValues; ++i) values[i] = 0.5f * static_cast<float>(i) - 1.0f;

  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_EQ(view.header.worker, header.worker);
  EXPECT_EQ(view.header.flag, header.flag);
  EXPECT_EQ(view.header.clock, header.clock);
  for (int t = 0; t < ps::kMaxTables; ++t) {
    EXPECT_EQ(view.header.n_keys[t], header.n_keys[t]) << "table " << t;
    ASSERT_EQ(view.keys.n[t], static_cast<int>(lists[t].size())) << "table " << t;
    EXPECT_EQ(std::vector<std::int32_t>(view.keys.keys[t], view.keys.keys[t] + view.keys.n[t]), lists[t]) << "table " << t;
  }
  ASSERT_EQ(view.n_values, kValues);
  for (std::size_t i = 0; i < kValues; ++i) EXPECT_EQ(view.values[i], 0.5f * static_cast<float>(i) - 1.0f);
}

TEST(Protocol, KeylessMessageCarriesNoKeysWhateverItsHeaderSaid) {
  ps::Header header;
  header.clock = 7;
  header.n_keys[0] = 4;
  constexpr std::size_t kValues = 6;
  std::vector<char> buffer;
  ps::BuildKeylessMessage(header, kValues, buffer);
  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_EQ(ps::KeyCount(view.header), 0u);
  EXPECT_EQ(view.header.clock, 7);
  EXPECT_EQ(view.n_values, kValues);
}

TEST(Protocol, ParseRejectsABufferShorterThanTheHeader) {
  std::vector<char> buffer;
  ps::BuildKeylessMessage(ps::Header{}, 0, buffer);
  ps::MessageView view;
  EXPECT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - 1, view));
}

TEST(Protocol, ParseRejectsANegativeKeyCount) {
  ps::Header header;
  header.n_keys[1] = -1;
  std::vector<char> buffer(sizeof(ps::Header) + 16 * sizeof(float));  // room to spare: only the count is wrong
  std::memcpy(buffer.data(), &header, sizeof(header));
  ps::MessageView view;
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size(), view));
}

TEST(Protocol, ParseRejectsABufferShorterThanItsKeys) {
  const std::vector<std::int32_t> items = {0, 2, 5}, att = {1};
  ps::Header header;
  header.n_keys[0] = 3;
  header.n_keys[1] = 1;
  std::vector<char> buffer;
  ps::BuildMessage(header, Keys(items, att), 0, buffer);
  ps::MessageView view;
  ASSERT_TRUE(ps::ParseMessage(buffer.data(), buffer.size(), view));  // exactly its keys: no values
  EXPECT_EQ(view.n_values, 0u);
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - 1, view));
  EXPECT_FALSE(ps::ParseMessage(buffer.data(), buffer.size() - sizeof(std::int32_t), view));
}

// --- routing --------------------------------------------------------------------------------

constexpr int kServers = 3;

TEST(Routing, RouteKeysSplitsByKeyModuloServersKeepingOrder) {
  const std::vector<std::int32_t> keys = {0, 1, 2, 5, 7, 8, 9, 12, 13};
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys(keys, kServers, keys_of, positions_of);
  ASSERT_EQ(keys_of.size(), static_cast<std::size_t>(kServers));
  EXPECT_EQ(keys_of[0], (std::vector<std::int32_t>{0, 9, 12}));
  EXPECT_EQ(keys_of[1], (std::vector<std::int32_t>{1, 7, 13}));
  EXPECT_EQ(keys_of[2], (std::vector<std::int32_t>{2, 5, 8}));
}

TEST(Routing, RoutePositionsMapBackToTheInput) {
  const std::vector<std::int32_t> keys = {3, 4, 6, 10, 11, 14, 20};
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys(keys, kServers, keys_of, positions_of);
  ASSERT_EQ(positions_of.size(), static_cast<std::size_t>(kServers));
  std::vector<int> seen(keys.size(), 0);
  for (int s = 0; s < kServers; ++s) {
    ASSERT_EQ(positions_of[s].size(), keys_of[s].size()) << "server " << s;
    for (std::size_t i = 0; i < keys_of[s].size(); ++i) {
      EXPECT_EQ(keys[positions_of[s][i]], keys_of[s][i]) << "server " << s << ", key " << i;
      ++seen[positions_of[s][i]];
    }
  }
  EXPECT_EQ(seen, std::vector<int>(keys.size(), 1));  // every input key routed exactly once
}

TEST(Routing, RouteKeysReplacesTheResultOfAnEarlierCall) {
  std::vector<std::vector<std::int32_t>> keys_of, positions_of;
  ps::RouteKeys({0, 1, 2, 3, 4, 5}, kServers, keys_of, positions_of);
  ps::RouteKeys({4}, kServers, keys_of, positions_of);
  EXPECT_TRUE(keys_of[0].empty());
  EXPECT_EQ(keys_of[1], std::vector<std::int32_t>{4});
  EXPECT_EQ(positions_of[1], std::vector<std::int32_t>{0});
  EXPECT_TRUE(keys_of[2].empty());
  EXPECT_TRUE(positions_of[0].empty() && positions_of[2].empty());
}

}  // namespace
}  // namespace ampcf
