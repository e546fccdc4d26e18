// The parameter server's consistency rule without MPI (ps/server_logic.h): when pushes are
// applied, when pulls, checkpoints and averages may go ahead, and the messages that carry them.
#include "tests/ps/server_logic_fixture.h"

namespace ampcf {
namespace {

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

TEST(ServerLogic, AsynchronousPushMayAdvanceTheClockBySeveralSteps) {
  // --steps-per-message 3: each push stands for three steps.
  Server server(kTwoWorkers, kAsynchronous);
  ps::ServerShard reference = ShardOf(SmallConfig(), kItems);
  const Rows push0 = PushOfWorker0();
  server.logic.Handle(Push(0, 3, push0));
  reference.ApplyGradients(push0.keys(), push0.values.data());
  EXPECT_EQ(AllRows(server.shard), AllRows(reference));
  server.logic.Handle(Pull(0, 3, Rows{{1}, {}, {}}));  // waits for worker 1's clock 3
  server.logic.Handle(Push(1, 3, Rows{}));
  EXPECT_EQ(server.logic.ready_clock(), 3);
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 1u);
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

// The row widths of the test shard's tables.
std::vector<int> Widths() {
  const ps::ServerShard shard = ShardOf(SmallConfig(), kItems);
  std::vector<int> widths;
  for (int t = 0; t < shard.n_tables(); ++t) widths.push_back(shard.width(t));
  return widths;
}

ps::ValueFormat ReplyFormat(ps::ValueFormat push_format) {
  switch (push_format) {
    case ps::ValueFormat::kBFloat16:
      return ps::ValueFormat::kFloat16;
    case ps::ValueFormat::kInt8Dithered:
      return ps::ValueFormat::kInt8;
    default:
      return push_format;
  }
}

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
  // A worker that pushes in 16 (8) bits asks for its rows in float16 (int8): ps/wire_format.h.
  pull_header.format = static_cast<std::int32_t>(ReplyFormat(format));
  for (int t = 0; t < ps::kMaxTables; ++t) pull_header.n_keys[t] = pull_keys.n[t];
  ps::Received message;
  message.source = RankOf(worker);
  message.kind = ps::kPushPull;
  const std::vector<int> widths = Widths();
  char* values = ps::BuildMessageAt(push_header, push_keys, ps::ValueBytesOfRows(format, push_keys.n, widths),
                                    message.bytes, sizeof(std::uint64_t));
  ps::EncodeTables(push.values.data(), push_keys.n, widths, format, values);
  const std::uint64_t push_bytes = message.bytes.size() - sizeof(std::uint64_t);
  std::memcpy(message.bytes.data(), &push_bytes, sizeof(push_bytes));
  ps::BuildMessageAt(pull_header, pull_keys, 0, message.bytes, message.bytes.size());
  return message;
}

// The rows of a pull reply for the keys of `pulled`, decoded.
std::vector<float> ReplyValues(const Sent& reply, const Rows& pulled) {
  ps::MessageView view;
  EXPECT_TRUE(ps::ParseMessage(reply.bytes.data(), reply.bytes.size(), view));
  const std::vector<int> widths = Widths();
  const ps::KeyLists keys = pulled.keys();
  const ps::ValueFormat format = ps::FormatOf(view.header);
  EXPECT_EQ(view.value_bytes, ps::ValueBytesOfRows(format, keys.n, widths));
  std::vector<float> values(ps::ValueCountOfRows(keys.n, widths));
  ps::DecodeTables(static_cast<const char*>(view.encoded), keys.n, widths, format, values.data());
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
  EXPECT_EQ(ReplyValues(replies[0], pulled), expected);
  EXPECT_EQ(AllRows(server.shard), AllRows(reference.shard));
}

TEST(ServerLogic, SynchronousPushPullWaitsForTheOtherWorkersPushOfItsClock) {
  Server server(kTwoWorkers, kSynchronous);
  server.logic.Handle(PushPull(0, 1, PushOfWorker0(), 1, Rows{{3}, {}, {}}));
  EXPECT_TRUE(server.port.Of(ps::kPullReply).empty());
  server.logic.Handle(Push(1, 1, PushOfWorker1()));
  EXPECT_EQ(server.port.Of(ps::kPullReply).size(), 1u);
}

// The same push and pull handled by a server in float32 and by one in `format` (a push format):
// the rows after the push agree within `tolerance`. Returns the narrow server's pull reply and,
// in `read`, the rows it held when it answered.
Sent NarrowPushPull(ps::ValueFormat format, const Rows& pulled, double tolerance, std::vector<float>& read) {
  Server wide(1, kAsynchronous), narrow(1, kAsynchronous);
  wide.logic.Handle(PushPull(0, 1, PushOfWorker0(), 0, pulled));
  narrow.logic.Handle(PushPull(0, 1, PushOfWorker0(), 0, pulled, format));
  const std::vector<float> rows = AllRows(wide.shard), narrow_rows = AllRows(narrow.shard);
  EXPECT_EQ(rows.size(), narrow_rows.size());
  for (std::size_t i = 0; i < rows.size() && i < narrow_rows.size(); ++i) EXPECT_NEAR(narrow_rows[i], rows[i], tolerance) << i;
  read.resize(ReplyValues(wide.port.Of(ps::kPullReply)[0], pulled).size());
  narrow.shard.ReadRows(pulled.keys(), read.data());
  return narrow.port.Of(ps::kPullReply)[0];
}

TEST(ServerLogic, SixteenBitPushAndPullReplyMatchFloat32WithinTheirPrecision) {
  const Rows pulled{{0, 1, 3, 4}, {0, 1, 5}, {}};
  // The pushed gradients were rounded to bfloat16; Adam's first step is about lr * sign, so the
  // rows agree closely, not exactly.
  std::vector<float> read;
  const Sent reply = NarrowPushPull(ps::ValueFormat::kBFloat16, pulled, 1e-4, read);
  EXPECT_EQ(reply.bytes.size(), sizeof(ps::Header) + 2 * read.size());  // half the bytes
  const std::vector<float> half = ReplyValues(reply, pulled);  // a 16-bit push asks for 16-bit rows (float16)
  ASSERT_EQ(half.size(), read.size());
  for (std::size_t i = 0; i < half.size(); ++i) EXPECT_NEAR(half[i], read[i], std::abs(read[i]) * 0x1p-11) << i;
}

TEST(ServerLogic, EightBitPushAndPullReplyMatchFloat32WithinTheirPrecision) {
  const Rows pulled{{0, 1, 3, 4}, {0, 1, 5}, {}};
  // Adam's first step is about lr * sign: a gradient rounded to its row's int8 grid keeps its sign
  // unless it is below one step of that grid, so the rows agree to within about one lr.
  std::vector<float> read;
  const Sent reply = NarrowPushPull(ps::ValueFormat::kInt8Dithered, pulled, 2.1 * SmallConfig().lr, read);
  const std::vector<int> widths = Widths();
  // A row of w values takes 4 + w bytes: 4 items of width widths[0], 3 attention rows.
  EXPECT_EQ(reply.bytes.size(), sizeof(ps::Header) + 4 * (4 + widths[0]) + 3 * (4 + widths[1]));
  const std::vector<float> eight = ReplyValues(reply, pulled);  // an 8-bit push asks for 8-bit rows
  ASSERT_EQ(eight.size(), read.size());
  const float* row = read.data();
  std::size_t i = 0;
  for (std::size_t t = 0; t < widths.size(); ++t) {
    for (int r = 0; r < pulled.keys().n[t]; ++r, row += widths[t]) {
      float largest = 0;
      for (int c = 0; c < widths[t]; ++c) largest = std::max(largest, std::abs(row[c]));
      for (int c = 0; c < widths[t]; ++c, ++i) EXPECT_NEAR(eight[i], row[c], largest / 254 * 1.0001) << t << " " << r << " " << c;
    }
  }
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

}  // namespace
}  // namespace ampcf
