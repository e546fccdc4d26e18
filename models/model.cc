#include "models/model.h"

#include <algorithm>

#include "core/mpi_env.h"

namespace ampcf {

void Scorer::ScoreBlock(const float* user_rows, int n_users, std::vector<float>& scores) const {
  const std::size_t n = n_items(), row = static_cast<std::size_t>(personas()) * dim();
  scores.resize(n_users * n);
  std::vector<float> user_scores;
  for (int b = 0; b < n_users; ++b) {
    Score(user_rows + b * row, {}, user_scores);
    std::copy(user_scores.begin(), user_scores.end(), scores.begin() + b * n);
  }
}

void DenseTableKeys(const Batch& batch, std::int64_t rows, std::vector<std::int32_t>& keys) {
  keys.resize(batch.size() > 0 ? static_cast<std::size_t>(rows) : 0);
  for (std::size_t k = 0; k < keys.size(); ++k) keys[k] = static_cast<std::int32_t>(k);
}

AdamConfig MakeAdam(const TrainConfig& config) {
  AdamConfig adam;
  adam.lr = static_cast<float>(config.lr);
  adam.l2 = static_cast<float>(config.l2);
  return adam;
}

std::vector<TableSpec> ServerTables(const Model& model) {
  std::vector<TableSpec> tables;
  for (const TableSpec& table : model.tables())
    if (table.placement == Placement::kOnServers) tables.push_back(table);
  return tables;
}

const TableSpec& UserTable(const Model& model) {
  for (const TableSpec& table : model.tables())
    if (table.placement == Placement::kPerUser) return table;
  AbortJob(Cat("model ", model.name(), " has no per-user table"));
}

}  // namespace ampcf
