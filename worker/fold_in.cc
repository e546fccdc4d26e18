#include "worker/fold_in.h"

#include <algorithm>

#include "core/eigen_types.h"
#include "core/rng.h"
#include "tables/adam.h"
#include "worker/batch_builder.h"

namespace ampcf {

namespace {
constexpr std::uint64_t kFoldInStream = 0xf01d1;  // core/rng.h: MixSeed's stream tag
}  // namespace

std::vector<float> FoldInUsers(Model& model, const TrainConfig& config,
                               const std::vector<std::vector<float>>& server_tables, const Dataset& data,
                               const std::vector<std::int32_t>& users, const FoldInOptions& options) {
  const TableSpec& spec = UserTable(model);
  const auto width = static_cast<std::size_t>(spec.width);
  std::vector<float> rows(users.size() * width, 0.0f);
  for (std::size_t local = 0; local < users.size(); ++local) {
    float* row = &rows[local * width];
    if (spec.from_items)
      spec.from_items(users[local], data.TrainItems(users[local]), row);
    else
      spec.init(options.start_key ? options.start_key(users[local]) : users[local], row);
  }
  if (spec.from_items || users.empty()) return rows;

  BatchOptions batch_options;
  batch_options.negatives = config.negatives;
  batch_options.negative_power = config.negative_power;
  batch_options.exclude_seen = config.exclude_seen;
  batch_options.log_q = config.softmax_correction == "logq";
  AdamConfig adam_config = spec.adam;
  adam_config.lr = static_cast<float>(options.lr);
  const Adam adam(adam_config);
  const std::vector<TableSpec> tables = ServerTables(model);
  Batch batch;
  std::vector<std::vector<std::int32_t>> keys;
  std::vector<AlignedVector<float>> read(tables.size());
  std::vector<const float*> read_pointers(tables.size());
  std::vector<const float*> server_gradients;
  const float* user_gradients = nullptr;
  AlignedVector<float> row(width), first_moment(width), second_moment(width);
  for (std::size_t local = 0; local < users.size(); ++local) {
    // One user at a time, seeded by their id: a user's row depends on nothing else folded in.
    const std::uint64_t key =
        options.seed_key ? options.seed_key(users[local]) : static_cast<std::uint64_t>(data.UserId(users[local]));
    batch_options.seed = MixSeed(options.seed, kFoldInStream, key);
    BatchBuilder builder(data, {users[local]}, batch_options);
    builder.UseValidation(options.with_validation);
    const std::int64_t n = builder.n_pairs();
    if (n == 0) continue;
    const std::int64_t batches_per_pass = (n + config.batch - 1) / config.batch;
    // Fitted in an aligned copy: Eigen's reductions sum in an order that depends on where the
    // row starts, and a user's row must not depend on where the others put it.
    std::copy_n(&rows[local * width], width, row.begin());
    std::fill(first_moment.begin(), first_moment.end(), 0.0f);
    std::fill(second_moment.begin(), second_moment.end(), 0.0f);
    std::int32_t updates = 0;
    for (int step = 0; step < options.steps; ++step) {
      const int pass = static_cast<int>(step / batches_per_pass);
      const std::int64_t b = step % batches_per_pass;
      if (b == 0) builder.Shuffle(pass);
      builder.Build(pass, b, b * config.batch, std::min<std::int64_t>((b + 1) * config.batch, n), batch);
      model.RowsRead(batch, nullptr, keys);
      for (std::size_t t = 0; t < tables.size(); ++t) {
        const auto table_width = static_cast<std::size_t>(tables[t].width);
        read[t].resize(keys[t].size() * table_width);
        for (std::size_t k = 0; k < keys[t].size(); ++k)
          std::copy_n(&server_tables[t][static_cast<std::size_t>(keys[t][k]) * table_width], table_width,
                      &read[t][k * table_width]);
        read_pointers[t] = read[t].data();
      }
      model.ForwardBackward(batch, row.data(), read_pointers, user_gradients, server_gradients);
      adam.UpdateRow(row.data(), first_moment.data(), second_moment.data(), user_gradients, spec.width, updates);
    }
    std::copy_n(row.begin(), width, &rows[local * width]);
  }
  return rows;
}

}  // namespace ampcf
