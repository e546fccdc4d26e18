#include "tables/row_table.h"

#include <algorithm>
#include <unordered_map>
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

namespace {
// StartFrom reads the source in blocks of at most this many rows: the rows a shard needs are
// spread over the source's, in about its order (dense ids follow original ids).
constexpr std::int64_t kSourceRowsPerRead = 4096;
}  // namespace

std::int64_t RowTable::StartFrom(const RowSource& source, std::span<const std::int64_t> ids,
                                 std::span<const std::int64_t> source_ids, WarmStart warm) {
  AMPCF_ASSERT(!average_in_, "rows of ", name_, " started while the average is swapped in");
  AMPCF_ASSERT(ids.empty() == source_ids.empty(), name_, ": ids without source ids, or the reverse");
  AMPCF_ASSERT(ids.empty() || static_cast<std::int64_t>(ids.size()) == rows_.count, name_, ": one id per row");
  const std::int64_t source_rows = source.Rows(name_, width_);
  std::vector<std::pair<std::int64_t, std::int64_t>> found;  // (source row, local row)
  if (ids.empty()) {
    for (std::int64_t local = 0; local < rows_.count; ++local) {
      AMPCF_ASSERT(key(local) < source_rows, name_, ": key ", key(local), " beyond the source's ", source_rows, " rows");
      found.emplace_back(key(local), local);
    }
  } else {
    std::unordered_map<std::int64_t, std::int64_t> source_row;
    source_row.reserve(source_ids.size());
    for (std::size_t r = 0; r < source_ids.size(); ++r) source_row.emplace(source_ids[r], static_cast<std::int64_t>(r));
    for (std::int64_t local = 0; local < rows_.count; ++local)
      if (const auto at = source_row.find(ids[local]); at != source_row.end()) found.emplace_back(at->second, local);
  }
  std::sort(found.begin(), found.end());
  const bool with_state = source.has_optimiser_state();
  const auto width = static_cast<std::size_t>(width_);
  std::vector<float> values, first_moment, second_moment;
  std::vector<std::int32_t> steps;
  for (std::size_t i = 0; i < found.size();) {
    const std::int64_t first = found[i].first;
    std::size_t end = i;
    while (end < found.size() && found[end].first < first + kSourceRowsPerRead) ++end;
    const std::int64_t count = found[end - 1].first - first + 1;
    values.resize(count * width);
    if (with_state) {
      first_moment.resize(count * width);
      second_moment.resize(count * width);
      steps.resize(count);
    }
    source.Read(name_, width_, first, count,
                RowArrays{values.data(), first_moment.data(), second_moment.data(), nullptr, steps.data(), nullptr});
    for (; i < end; ++i) {
      const auto [source_index, local] = found[i];
      const std::size_t from = (source_index - first) * width, to = Offset(local);
      for (std::size_t c = 0; c < width; ++c)
        values_[to + c] = warm.shrink * values[from + c] + warm.perturb * values_[to + c];
      if (with_state) {
        std::copy_n(&first_moment[from], width, &first_moment_[to]);
        std::copy_n(&second_moment[from], width, &second_moment_[to]);
        steps_[local] = steps[source_index - first];
      } else {
        std::fill_n(&first_moment_[to], width, 0.0f);
        std::fill_n(&second_moment_[to], width, 0.0f);
        steps_[local] = 0;
      }
    }
  }
  best_ = values_;
  if (averaging_) average_ = values_;
  return static_cast<std::int64_t>(found.size());
}

}  // namespace ampcf
