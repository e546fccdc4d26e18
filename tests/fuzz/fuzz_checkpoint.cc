// Fuzzes the checkpoint readers (io/checkpoint_file.h: ReadCheckpointInfo, VerifyCheckpoint,
// DescribeCheckpoint, ReadCheckpointRows as a resumed rank reads its share) on a small valid
// checkpoint with edits made from the input (tests/fuzz/hdf5_edits.h). A UserError is the
// expected end; anything else (a crash, an allocation beyond the file's arrays, a hang) fails.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/checkpoint_file.h"
#include "tests/fuzz/fuzz_files.h"
#include "tests/fuzz/hdf5_edits.h"

namespace ampcf {
namespace {

constexpr int kItems = 3, kUsers = 2;

// AMP-CF with r = 2, d = 3, da = 2, in epoch 2 of a run of one worker and one server.
CheckpointHeader Header() {
  CheckpointHeader header;
  header.shape.personas = 2;
  header.shape.dim = 3;
  header.shape.SetSize("att_dim", 2);
  header.tables = {{"items", kItems, 4}, {"attention", 6, 2}, {"users", kUsers, 6}};
  header.dataset = "fuzz";
  header.config = "dim = 3\n";
  header.item_ids = {1, 2, 3};
  return header;
}

TrainingState State() {
  TrainingState state;
  state.epoch = 2;
  state.step = 1;
  state.steps_per_epoch = 3;
  state.clock = 4;
  state.loss = state.val_hr = state.val_ndcg = state.seconds = {0.5};
  state.worker_loss_sums = {1.5};
  return state;
}

// Writes the checkpoint as the ranks of a run do: header, every table's rows, the user ids.
void WriteBase(const std::string& path) {
  const std::string temporary = path + ".tmp";
  const CheckpointHeader header = Header();
  CreateCheckpoint(temporary, header, State());
  for (const CheckpointTable& table : header.tables) {
    const std::size_t n = static_cast<std::size_t>(table.rows) * table.width;
    std::vector<float> values(n, 0.5f), m(n, 0.1f), v(n, 0.2f), best(n, 0.4f), average(n, 0.3f);
    std::vector<std::int32_t> steps(static_cast<std::size_t>(table.rows), 3);
    WriteCheckpointRows(temporary, table.name.c_str(), table.width, {0, 1, table.rows},
                        {values.data(), m.data(), v.data(), best.data(), steps.data(), average.data()});
  }
  const std::vector<std::int64_t> user_ids = {10, 20};
  WriteCheckpointIds(temporary, "users", 0, user_ids);
  FinishCheckpoint(temporary, path, 1);
}

constexpr const char* kAttributes[] = {"format",  "version",  "model",     "tables",     "personas",  "dim",
                                       "att_dim", "dataset",  "dataset_fingerprint", "config", "seed",
                                       "n_workers", "n_servers", "epoch", "step", "steps_per_epoch", "clock",
                                       "best_epoch", "best_score", "since_best", "train_seconds", "complete"};
constexpr const char* kDatasets[] = {
    "/items/values", "/items/adam_m", "/items/adam_v", "/items/best",     "/items/average", "/items/adam_steps",
    "/items/ids",    "/users/values", "/users/ids",    "/users/adam_steps", "/attention/values", "/attention",
    "/history/loss", "/history/val_hr", "/workers/loss_sum", "/users"};

// What a resumed rank reads of each table the header names: its share of the rows.
void ReadShares(const std::string& path, int shares, int share) {
  const CheckpointInfo info = ReadCheckpointInfo(path);
  for (const CheckpointTable& table : info.header.tables) {
    // A run compares the header with its own model and dataset first: only plausible tables.
    if (table.rows < 0 || table.rows > 100 || table.width < 1 || table.width > 100) continue;
    const RowSelection rows{share, shares, (table.rows - share + shares - 1) / shares};
    if (rows.count <= 0) continue;
    const std::size_t n = static_cast<std::size_t>(rows.count) * table.width;
    std::vector<float> values(n), m(n), v(n), best(n), average(n);
    std::vector<std::int32_t> steps(static_cast<std::size_t>(rows.count));
    ReadCheckpointRows(path, table.name.c_str(), table.width, rows,
                       {values.data(), m.data(), v.data(), best.data(), steps.data(), average.data()});
  }
}

}  // namespace
}  // namespace ampcf

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace ampcf;
  FuzzedDataProvider in(bytes, size);
  const int shares = in.ConsumeIntegralInRange(1, 3), share = in.ConsumeIntegralInRange(0, shares - 1);
  const std::string path = (fuzz::Folder() / "checkpoint-000000000004.h5").string();
  WriteBase(path);
  fuzz::EditFileUntilTheEnd(in, path, kAttributes, kDatasets);
  fuzz::ExpectOnlyUserErrors([&] { ReadCheckpointInfo(path); });
  fuzz::ExpectOnlyUserErrors([&] { VerifyCheckpoint(path); });
  fuzz::ExpectOnlyUserErrors([&] { DescribeCheckpoint(path); });
  fuzz::ExpectOnlyUserErrors([&] { ReadShares(path, shares, share); });
  return 0;
}
