#include "tables/row_source.h"

#include <utility>

#include "core/error.h"

namespace ampcf {

CheckpointRowSource::CheckpointRowSource(std::string path, const CheckpointInfo& info)
    : path_(std::move(path)), header_(info.header) {}

std::int64_t CheckpointRowSource::Rows(const std::string& name, int width) const {
  for (const CheckpointTable& table : header_.tables)
    if (table.name == name) {
      if (table.width != width)
        throw UserError(Cat(path_, ": table ", name, " has rows of ", table.width, " floats; this run's have ", width));
      return table.rows;
    }
  throw UserError(Cat(path_, ": has no table ", name));
}

void CheckpointRowSource::Read(const std::string& name, int width, std::int64_t first, std::int64_t count,
                               const RowArrays& arrays) const {
  // ReadCheckpointRows fills the best rows too; they are not wanted here.
  std::vector<float> best(static_cast<std::size_t>(count) * width);
  RowArrays into = arrays;
  into.best = best.data();
  into.average = nullptr;
  ReadCheckpointRows(path_, name.c_str(), width, RowSelection{first, 1, count}, into);
}

}  // namespace ampcf
