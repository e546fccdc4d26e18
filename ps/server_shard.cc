#include "ps/server_shard.h"

#include <algorithm>

#include "core/error.h"
#include "core/parallel.h"
#include "partition/layout.h"

namespace ampcf::ps {

namespace {
constexpr int kRowsPerUpdateTask = 64, kRowsPerCopyTask = 256;
}  // namespace

ServerShard::ServerShard(const std::vector<TableSpec>& tables, int server_index, int n_servers, double average_decay)
    : server_index_(server_index), n_servers_(n_servers), average_decay_(average_decay) {
  AMPCF_ASSERT(tables.size() <= static_cast<std::size_t>(kMaxTables), "more server tables than the protocol carries");
  for (const TableSpec& spec : tables) {
    table_rows_.push_back(spec.rows);
    dense_.push_back(spec.dense);
    tables_.emplace_back(spec.name, spec.width,
                         RowSelection{server_index, n_servers, ItemsOwned(spec.rows, server_index, n_servers)}, spec.init,
                         spec.adam, average_decay > 0);
  }
}

std::int64_t ServerShard::LocalRow(int table, std::int32_t key) const {
  AMPCF_ASSERT(key >= 0 && key < table_rows_[table] && ItemOwner(key, n_servers_) == server_index_, "key ", key,
               " of table ", tables_[table].name(), " not owned by server ", server_index_);
  return ItemLocalIndex(key, n_servers_);
}

std::vector<std::int64_t> ServerShard::LocalRows(int table, const std::int32_t* keys, int n) const {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) rows[i] = LocalRow(table, keys[i]);
  return rows;
}

void ServerShard::ReadRows(int table, const std::int32_t* keys, int n, float* out) const {
  const int width = tables_[table].width();
  const std::vector<std::int64_t> local = LocalRows(table, keys, n);  // checked here, on the calling thread
  ParallelForBlocks(n, kRowsPerCopyTask, [&](TaskRange rows) {
    for (int i = rows.begin; i < rows.end; ++i)
      std::copy_n(tables_[table].row(local[i]), width, out + static_cast<std::size_t>(i) * width);
  });
}

void ServerShard::ReadRows(const KeyLists& keys, float* out) const {
  for (int t = 0; t < n_tables(); ++t) {
    ReadRows(t, keys.keys[t], keys.n[t], out);
    out += static_cast<std::size_t>(keys.n[t]) * width(t);
  }
}

void ServerShard::ApplyGradients(int table, const std::int32_t* keys, int n, const float* gradients,
                                 const std::int32_t* repeats) {
  const int width = tables_[table].width();
  // Unique keys (checked here, on the calling thread): each task updates rows of its own.
  const std::vector<std::int64_t> local = LocalRows(table, keys, n);
  for (int i = 1; i < n; ++i)
    AMPCF_ASSERT(keys[i - 1] < keys[i], "the keys of a push to table ", tables_[table].name(), " are not unique and ascending");
  ParallelForBlocks(n, kRowsPerUpdateTask, [&](TaskRange rows) {
    for (int i = rows.begin; i < rows.end; ++i) {
      const float* gradient = gradients + static_cast<std::size_t>(i) * width;
      if (repeats == nullptr)
        tables_[table].Update(local[i], gradient);
      else
        tables_[table].UpdateRepeated(local[i], gradient, repeats[i]);
    }
  });
}

void ServerShard::ApplyGradients(const KeyLists& keys, const float* gradients, const std::int32_t* repeats) {
  for (int t = 0; t < n_tables(); ++t) {
    ApplyGradients(t, keys.keys[t], keys.n[t], gradients, repeats);
    gradients += static_cast<std::size_t>(keys.n[t]) * width(t);
    if (repeats != nullptr) repeats += keys.n[t];
  }
}

void ServerShard::ApplyClock(const std::vector<PushedGradients>& pushes) {
  std::vector<std::size_t> offsets(pushes.size(), 0);  // where each push's rows of table t begin
  for (int t = 0; t < n_tables(); ++t) {
    const int width = tables_[t].width();
    clock_rows_.clear();
    for (std::size_t p = 0; p < pushes.size(); ++p) {
      const float* values = pushes[p].values + offsets[p];
      for (int i = 0; i < pushes[p].keys.n[t]; ++i)
        clock_rows_.emplace_back(pushes[p].keys.keys[t][i], values + static_cast<std::size_t>(i) * width);
      offsets[p] += static_cast<std::size_t>(pushes[p].keys.n[t]) * width;
    }
    // Stable: equal keys keep push order, so the sum's order is fixed.
    std::stable_sort(clock_rows_.begin(), clock_rows_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // Each key's rows, found and checked on this thread; then each key's sum and update is one
    // task's (core/parallel.h).
    key_starts_.clear();
    local_rows_.clear();
    for (std::size_t i = 0; i < clock_rows_.size(); ++i)
      if (i == 0 || clock_rows_[i].first != clock_rows_[i - 1].first) {
        key_starts_.push_back(i);
        local_rows_.push_back(LocalRow(t, clock_rows_[i].first));
      }
    const int n_keys = static_cast<int>(key_starts_.size());
    key_starts_.push_back(clock_rows_.size());
    ParallelForBlocks(n_keys, kRowsPerUpdateTask, [&](TaskRange keys) {
      AlignedVector<float> sum_storage(static_cast<std::size_t>(width));  // aligned: see tables/row_table.h
      Eigen::Map<Eigen::ArrayXf> sum(sum_storage.data(), width);
      for (int k = keys.begin; k < keys.end; ++k) {
        sum = Eigen::Map<const Eigen::ArrayXf>(clock_rows_[key_starts_[k]].second, width);
        for (std::size_t i = key_starts_[k] + 1; i < key_starts_[k + 1]; ++i)
          sum += Eigen::Map<const Eigen::ArrayXf>(clock_rows_[i].second, width);
        tables_[t].Update(local_rows_[k], sum_storage.data());
      }
    });
  }
}

void ServerShard::SaveBest() {
  for (RowTable& table : tables_) table.SaveBest();
}

void ServerShard::RestoreBest() {
  for (RowTable& table : tables_) table.RestoreBest();
}

void ServerShard::SwapInAverage(bool restart) {
  for (RowTable& table : tables_) table.SwapInAverage(average_decay_, restart);
}

void ServerShard::SwapOutAverage() {
  for (RowTable& table : tables_) table.SwapOutAverage();
}

void ServerShard::Reset() {
  for (RowTable& table : tables_) table.Reset();
}

void ServerShard::WriteCheckpoint(const std::string& path) const {
  for (const RowTable& table : tables_) table.WriteCheckpoint(path);
}

void ServerShard::ReadCheckpoint(const std::string& path) {
  for (RowTable& table : tables_) table.ReadCheckpoint(path);
}

std::int64_t ServerShard::StartFrom(const RowSource& source, std::span<const std::int64_t> item_ids,
                                    std::span<const std::int64_t> source_item_ids, WarmStart warm) {
  std::int64_t items_found = -1;
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    RowTable& table = tables_[t];
    if (dense_[t]) {
      if (source.Rows(table.name(), table.width()) != table_rows_[t])
        throw UserError(Cat(source.path(), ": table ", table.name(), " has ", source.Rows(table.name(), table.width()),
                            " rows; this run's has ", table_rows_[t]));
      table.StartFrom(source, {}, {});
      continue;
    }
    AMPCF_ASSERT(static_cast<std::size_t>(table_rows_[t]) == item_ids.size(), "table ", table.name(),
                 " is neither dense nor one row per item");
    std::vector<std::int64_t> ids(static_cast<std::size_t>(table.size()));
    for (std::int64_t local = 0; local < table.size(); ++local) ids[local] = item_ids[table.key(local)];
    const std::int64_t found = table.StartFrom(source, ids, source_item_ids, warm);
    if (items_found < 0) items_found = found;
  }
  return std::max<std::int64_t>(items_found, 0);
}

}  // namespace ampcf::ps
