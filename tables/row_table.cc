#include "tables/row_table.h"

#include <utility>

#include "core/error.h"
#include "tables/parameter_average.h"

namespace ampcf {

RowTable::RowTable(std::string name, int width, RowSelection rows, RowInitialiser init, AdamConfig adam, bool averaging)
    : name_(std::move(name)), width_(width), rows_(rows), init_(std::move(init)), adam_(adam), averaging_(averaging) {
  Reset();
}

void RowTable::Reset() {
  values_.assign(Offset(rows_.count), 0.0f);
  for (std::int64_t local = 0; local < rows_.count; ++local) init_(key(local), row(local));
  first_moment_.assign(values_.size(), 0.0f);
  second_moment_.assign(values_.size(), 0.0f);
  steps_.assign(rows_.count, 0);
  best_ = values_;
  if (averaging_) average_ = values_;
  average_in_ = false;
}

void RowTable::Update(std::int64_t local, const float* gradient) {
  const std::size_t offset = Offset(local);
  adam_.UpdateRow(&values_[offset], &first_moment_[offset], &second_moment_[offset], gradient, width_, steps_[local]);
}

void RowTable::UpdateRepeated(std::int64_t local, const float* gradient, int times) {
  const std::size_t offset = Offset(local);
  adam_.UpdateRowRepeated(&values_[offset], &first_moment_[offset], &second_moment_[offset], gradient, width_,
                          steps_[local], times);
}

void RowTable::SwapInAverage(double decay, bool restart) {
  AMPCF_ASSERT(averaging_ && !average_in_, "the average of ", name_, " is absent or already swapped in");
  FoldAverage(average_, values_, decay, restart);
  std::swap(values_, average_);
  average_in_ = true;
}

void RowTable::SwapOutAverage() {
  AMPCF_ASSERT(average_in_, "the average of ", name_, " is not swapped in");
  std::swap(values_, average_);
  average_in_ = false;
}

RowArrays RowTable::Arrays() const {
  // The checkpoint interface takes mutable pointers for reading and writing alike.
  auto* self = const_cast<RowTable*>(this);
  return RowArrays{self->values_.data(), self->first_moment_.data(), self->second_moment_.data(), self->best_.data(),
                   self->steps_.data(), averaging_ ? self->average_.data() : nullptr};
}

void RowTable::WriteCheckpoint(const std::string& path) const {
  AMPCF_ASSERT(!average_in_, "checkpoint of ", name_, " written while the average is swapped in");
  RowArrays arrays = Arrays();
  if (arrays.average == nullptr) arrays.average = arrays.values;  // the rows are their own average
  WriteCheckpointRows(path, name_.c_str(), width_, rows_, arrays);
}

void RowTable::ReadCheckpoint(const std::string& path) { ReadCheckpointRows(path, name_.c_str(), width_, rows_, Arrays()); }

}  // namespace ampcf
