#include "worker/row_cache.h"

#include <algorithm>

#include "core/error.h"
#include "core/parallel.h"

namespace ampcf {

namespace {
// Rows copied or summed by one compute task (core/parallel.h): each task writes rows of its own,
// since a step's keys are unique.
constexpr int kRowsPerTask = 64;

int Size(const std::vector<std::int32_t>& keys) { return static_cast<int>(keys.size()); }
}  // namespace

RowCache::RowCache(int width, std::int64_t n_rows, int bound)
    : width_(width), bound_(bound), slot_of_(static_cast<std::size_t>(n_rows), kNone) {
  AMPCF_ASSERT(bound >= 1, "a cache bound of ", bound, " steps");
}

void RowCache::Clear() {
  AMPCF_ASSERT(n_pending_ == 0, "the cache is cleared with gradients pending");
  for (std::int32_t row : slot_row_)
    if (row != kNone) slot_of_[row] = kNone;
  slot_row_.clear();
  pulled_for_.clear();
  has_pending_.clear();
  summed_.clear();
  due_.clear();
  copies_.clear();
  sums_.clear();
  free_slots_.clear();
  pending_rows_.clear();
  due_rows_.clear();
  expiries_.clear();
}

std::int32_t RowCache::SlotFor(std::int32_t row) {
  std::int32_t& slot = slot_of_[row];
  if (slot != kNone) return slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::int32_t>(slot_row_.size());
    slot_row_.push_back(kNone);
    pulled_for_.push_back(0);
    has_pending_.push_back(0);
    summed_.push_back(0);
    due_.push_back(0);
    copies_.resize(copies_.size() + width_);
    sums_.resize(sums_.size() + width_, 0.0f);
  }
  slot_row_[slot] = row;
  has_pending_[slot] = 0;
  summed_[slot] = 0;
  due_[slot] = 0;
  return slot;
}

void RowCache::Release(std::int32_t row) {
  const std::int32_t slot = slot_of_[row];
  slot_row_[slot] = kNone;
  free_slots_.push_back(slot);
  slot_of_[row] = kNone;
}

void RowCache::Plan(const std::vector<std::int32_t>& keys, std::int64_t first_step, std::int64_t last_step,
                    std::vector<std::int32_t>& pull) {
  AMPCF_ASSERT(first_step <= last_step && last_step - first_step < bound_, "a run of steps ", first_step, " .. ",
               last_step, " with copies that serve ", bound_);
  pull.clear();
  for (std::int32_t row : keys) {
    AMPCF_ASSERT(row >= 0 && static_cast<std::size_t>(row) < slot_of_.size(), "row ", row, " outside the cached table");
    const std::int32_t held = slot_of_[row];
    if (held != kNone && pulled_for_[held] + bound_ > last_step) continue;  // the copy serves the whole run
    const std::int32_t slot = SlotFor(row);
    pulled_for_[slot] = first_step;
    expiries_.push_back({first_step, row});
    if (has_pending_[slot] && !due_[slot]) {
      due_[slot] = 1;
      due_rows_.push_back(row);
    }
    pull.push_back(row);
  }
}

void RowCache::Store(const std::vector<std::int32_t>& pulled, const float* rows) {
  ParallelForBlocks(Size(pulled), kRowsPerTask, [&](TaskRange block) {
    for (std::size_t i = block.begin; i < static_cast<std::size_t>(block.end); ++i)
      std::copy_n(rows + i * width_, width_, &copies_[static_cast<std::size_t>(slot_of_[pulled[i]]) * width_]);
  });
}

void RowCache::Gather(const std::vector<std::int32_t>& keys, float* out) const {
  ParallelForBlocks(Size(keys), kRowsPerTask, [&](TaskRange block) {
    for (std::size_t i = block.begin; i < static_cast<std::size_t>(block.end); ++i)
      std::copy_n(&copies_[static_cast<std::size_t>(slot_of_[keys[i]]) * width_], width_, out + i * width_);
  });
}

void RowCache::Accumulate(const std::vector<std::int32_t>& keys, const float* gradients) {
  ParallelForBlocks(Size(keys), kRowsPerTask, [&](TaskRange block) {
    for (std::size_t i = block.begin; i < static_cast<std::size_t>(block.end); ++i) {
      float* sum = &sums_[static_cast<std::size_t>(slot_of_[keys[i]]) * width_];
      const float* gradient = gradients + i * width_;
      for (int c = 0; c < width_; ++c) sum[c] += gradient[c];
    }
  });
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::int32_t slot = slot_of_[keys[i]];
    ++summed_[slot];
    if (!has_pending_[slot]) {
      has_pending_[slot] = 1;
      pending_rows_.push_back(keys[i]);
      ++n_pending_;
    }
  }
}

void RowCache::TakeDue(std::int64_t step, bool all, std::vector<std::int32_t>& keys, AlignedVector<float>& means,
                       std::vector<std::int32_t>& repeats) {
  keys.clear();
  auto take = [&](std::int32_t row) {
    const std::int32_t slot = slot_of_[row];
    if (!has_pending_[slot]) return;
    keys.push_back(row);
    has_pending_[slot] = 0;
    --n_pending_;
  };
  if (all) {
    for (std::int32_t row : pending_rows_)
      if (slot_of_[row] != kNone) take(row);
  } else {
    for (std::int32_t row : due_rows_) take(row);
    // (b): copies that expire now; their sums go, and they leave once nothing is pending.
    for (auto it = expiries_.begin(); it != expiries_.end() && it->pulled_for + bound_ <= step + 1; ++it) {
      const std::int32_t slot = slot_of_[it->row];
      if (slot != kNone && pulled_for_[slot] == it->pulled_for) take(it->row);
    }
  }
  for (std::int32_t row : due_rows_) due_[slot_of_[row]] = 0;
  due_rows_.clear();
  std::sort(keys.begin(), keys.end());
  means.resize(keys.size() * width_);
  repeats.resize(keys.size());
  ParallelForBlocks(Size(keys), kRowsPerTask, [&](TaskRange block) {
    for (std::size_t i = block.begin; i < static_cast<std::size_t>(block.end); ++i) {
      const std::int32_t slot = slot_of_[keys[i]];
      float* sum = &sums_[static_cast<std::size_t>(slot) * width_];
      const float scale = 1.0f / static_cast<float>(summed_[slot]);
      for (int c = 0; c < width_; ++c) means[i * width_ + c] = sum[c] * scale;
      std::fill_n(sum, width_, 0.0f);
      repeats[i] = summed_[slot];
      summed_[slot] = 0;
    }
  });
  // Rows whose sums were taken leave the pending list.
  pending_rows_.erase(std::remove_if(pending_rows_.begin(), pending_rows_.end(),
                                     [&](std::int32_t row) { return slot_of_[row] == kNone || !has_pending_[slot_of_[row]]; }),
                      pending_rows_.end());
  // Expired copies leave (their sums were just taken, or came after: those stay until pushed).
  while (!expiries_.empty() && expiries_.front().pulled_for + bound_ <= step + 1) {
    const Expiry expiry = expiries_.front();
    expiries_.pop_front();
    const std::int32_t slot = slot_of_[expiry.row];
    if (slot != kNone && pulled_for_[slot] == expiry.pulled_for && !has_pending_[slot]) Release(expiry.row);
  }
}

}  // namespace ampcf
