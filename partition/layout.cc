#include "partition/layout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace ampcf {

Layout MakeLayout(int world_size, int world_rank, int requested_servers, std::int64_t fewest_rows,
                  const std::string& table) {
  Layout layout;
  layout.world_size = world_size;
  layout.world_rank = world_rank;
  if (world_size == 1) {
    if (requested_servers > 1)
      throw UserError(Cat("--servers ", requested_servers, " needs at least ", requested_servers + 1,
                          " MPI ranks (one rank runs as server and worker)"));
    layout.colocated = true;
    layout.n_servers = 1;
    layout.n_workers = 1;
    return layout;
  }
  if (requested_servers < 1)
    throw UserError(Cat("--servers must be at least 1 when running on ", world_size, " ranks"));
  if (requested_servers >= world_size)
    throw UserError(Cat("--servers ", requested_servers, " leaves no worker among ", world_size, " MPI ranks"));
  if (requested_servers > fewest_rows)
    throw UserError(table == "items"
                        ? Cat("--servers ", requested_servers, " is more than the dataset's ", fewest_rows, " items")
                        : Cat("--servers ", requested_servers, " is more than the ", fewest_rows, " ", table,
                              " rows to share among them"));
  layout.colocated = false;
  layout.n_servers = requested_servers;
  layout.n_workers = world_size - requested_servers;
  return layout;
}

std::vector<int> AssignUsers(const std::vector<std::int64_t>& counts, int n_workers) {
  // Cut the users, in id order, where the running total of their pairs crosses k/W of the whole:
  // each user goes to the worker whose share holds the middle of the user's pairs.
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  std::vector<int> owner(counts.size(), 0);
  double before = 0;
  for (std::size_t u = 0; u < counts.size(); ++u) {
    const double middle = before + 0.5 * static_cast<double>(counts[u]);
    const int worker = total > 0 ? static_cast<int>(middle * n_workers / total) : 0;
    owner[u] = std::clamp(worker, 0, n_workers - 1);
    before += static_cast<double>(counts[u]);
  }
  return owner;
}

LoadBalance MeasureBalance(const std::vector<std::int64_t>& counts, const std::vector<int>& owner, int n_workers) {
  std::vector<std::int64_t> load(n_workers, 0);
  for (std::size_t u = 0; u < counts.size(); ++u) load[owner[u]] += counts[u];
  LoadBalance balance;
  balance.min_pairs = *std::min_element(load.begin(), load.end());
  balance.max_pairs = *std::max_element(load.begin(), load.end());
  double mean = std::accumulate(load.begin(), load.end(), 0.0) / n_workers;
  balance.imbalance = mean > 0 ? balance.max_pairs / mean - 1.0 : 0.0;
  return balance;
}

}  // namespace ampcf
