// A model's table as the machinery sees it: name, placement, size, initialiser, optimiser
// (models/model.h says what each placement means).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "tables/adam.h"
#include "tables/row_table.h"

namespace ampcf {

// Fills the per-user row of `user` from the user's training items (sorted, dense ids); the row
// arrives zeroed and must be deterministic in (user, items).
using UserRowFromItems = std::function<void(std::int64_t user, std::span<const std::int32_t> items, float* row)>;

enum class Placement { kPerUser, kOnServers };

struct TableSpec {
  std::string name;           // the checkpoint group
  Placement placement = Placement::kOnServers;
  std::int64_t rows = 0;      // kOnServers: the row count (keys 0 .. rows-1); kPerUser: unused
  int width = 0;              // floats per row
  RowInitialiser init;        // fills a zeroed row from its global key (a user or row id)
  AdamConfig adam;
  bool dense = false;  // kOnServers: every batch reads every row
  // kPerUser only. When set, a user's row is made from their training items instead of `init`
  // and is never trained: an item-based model's user is the items they chose (DeepICF), and
  // its row names them.
  UserRowFromItems from_items = nullptr;
};

}  // namespace ampcf
