#include "partition/layout.h"

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
  layout.n_workers = WorkersOf(world_size, requested_servers);
  return layout;
}

int WorkersOf(int world_size, int requested_servers) {
  if (world_size == 1 || requested_servers < 1 || requested_servers >= world_size) return world_size;
  return world_size - requested_servers;
}

}  // namespace ampcf
