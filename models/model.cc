#include "models/model.h"

#include "core/mpi_env.h"

namespace ampcf {

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
