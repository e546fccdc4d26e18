// A model's table as the machinery sees it: name, placement, size, initialiser, optimiser
// (models/model.h says what each placement means).
#pragma once

#include <cstdint>
#include <string>

#include "tables/adam.h"
#include "tables/row_table.h"

namespace ampcf {

enum class Placement { kPerUser, kOnServers };

struct TableSpec {
  std::string name;           // the checkpoint group
  Placement placement = Placement::kOnServers;
  std::int64_t rows = 0;      // kOnServers: the row count (keys 0 .. rows-1); kPerUser: unused
  int width = 0;              // floats per row
  RowInitialiser init;        // fills a zeroed row from its global key (a user or row id)
  AdamConfig adam;
  bool dense = false;  // kOnServers: every batch reads every row (workers may cache it: --dense-every)
};

}  // namespace ampcf
