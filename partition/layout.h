// Who owns what. Ranks 0 .. W-1 are workers (rank 0 reports progress and writes outputs),
// ranks W .. W+S-1 are parameter servers. A single rank is both (the server is called in-process).
//  - row k of every server table (item j's [v_j, b_j], AMP-CF's attention row k, with their
//    Adam state) lives on server k % S;
//  - users go to workers in contiguous id ranges balanced by interaction count (data/user_share.h;
//    a worker's rows are then one block of every per-user array, which it reads from a prepared
//    file and writes to checkpoints and model files in one piece).
#pragma once

#include <cstdint>
#include <string>

namespace ampcf {

struct Layout {
  int world_size = 1;
  int world_rank = 0;
  int n_workers = 1;
  int n_servers = 1;
  bool colocated = true;  // one rank plays both roles

  bool is_worker() const { return colocated || world_rank < n_workers; }
  bool is_server() const { return colocated || world_rank >= n_workers; }
  int worker_index() const { return world_rank; }  // valid on workers
  int server_index() const { return colocated ? 0 : world_rank - n_workers; }
  int server_rank(int server) const { return colocated ? 0 : n_workers + server; }
};

// Validates the requested number of servers against the world and the model; throws UserError.
// `fewest_rows`: the row count of the model's smallest server table, `table` its name (each
// server needs a row of every table).
Layout MakeLayout(int world_size, int world_rank, int requested_servers, std::int64_t fewest_rows,
                  const std::string& table = "items");

// The workers MakeLayout will make, before the model is known: ranks [0, this) of the world.
// Every rank when one runs alone, or when the request is one MakeLayout refuses (so that the
// input is still spread over the ranks until MakeLayout reports it).
int WorkersOf(int world_size, int requested_servers);

inline int ItemOwner(std::int64_t item, int n_servers) { return static_cast<int>(item % n_servers); }
inline std::int64_t ItemLocalIndex(std::int64_t item, int n_servers) { return item / n_servers; }
// Number of items server `server` owns out of n_items.
inline std::int64_t ItemsOwned(std::int64_t n_items, int server, int n_servers) {
  return n_items / n_servers + (server < n_items % n_servers ? 1 : 0);
}

}  // namespace ampcf
