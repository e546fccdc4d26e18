#include "ps/server_shard.h"

#include <algorithm>
#include <cmath>

#include "partition/layout.h"
#include "src/error.h"
#include "src/parameter_average.h"
#include "src/rng.h"

namespace ampcf::ps {

ServerShard::ServerShard(const ShardOptions& options) : options_(options), att_adam_(options.adam) {
  att_adam_.l2 = static_cast<float>(options.att_l2);  // --l2 is for user and item rows
  att_adam_.lr = static_cast<float>(options.adam.lr * options.att_lr_scale);
  const int d = options.shape.dim, da = options.shape.att_dim, width = options.shape.item_width();
  const int S = options.n_servers, s = options.server_index;
  n_local_items_ = ItemsOwned(options.n_items, s, S);
  n_local_att_ = static_cast<int>(ItemsOwned(2 * d, s, S));
  items_.assign(static_cast<std::size_t>(n_local_items_) * width, 0.0f);
  for (std::int64_t local = 0; local < n_local_items_; ++local) {
    const std::int64_t item = local * S + s;
    FillNormal(&items_[local * width], d, options.init_std, options.seed, kItemTable, item);  // bias stays 0
  }
  att_.assign(static_cast<std::size_t>(n_local_att_) * da, 0.0f);
  for (int local = 0; local < n_local_att_; ++local) {
    const int key = local * S + s;  // rows 0..d-1 are A_u, d..2d-1 are A_v
    float* row = &att_[static_cast<std::size_t>(local) * da];
    FillNormal(row, da, options.att_init_scale / std::sqrt(double(d)), options.seed, kAttentionTable,
               static_cast<std::uint64_t>(key));
    if (key % d < da) row[key % d] += static_cast<float>(options.att_init_identity);
  }
  item_m_.assign(items_.size(), 0.0f);
  item_v_.assign(items_.size(), 0.0f);
  item_steps_.assign(n_local_items_, 0);
  att_m_.assign(att_.size(), 0.0f);
  att_v_.assign(att_.size(), 0.0f);
  att_steps_.assign(n_local_att_, 0);
  best_items_ = items_;
  best_att_ = att_;
  item_average_ = items_;
  att_average_ = att_;
}

float* ServerShard::ItemRow(std::int32_t key) {
  const std::int64_t local = ItemLocalIndex(key, options_.n_servers);
  AMPCF_ASSERT(key >= 0 && key < options_.n_items && ItemOwner(key, options_.n_servers) == options_.server_index,
               "item key ", key, " not owned by server ", options_.server_index);
  return &items_[static_cast<std::size_t>(local) * options_.shape.item_width()];
}

float* ServerShard::AttentionRow(std::int32_t key) {
  const std::int64_t local = ItemLocalIndex(key, options_.n_servers);
  AMPCF_ASSERT(key >= 0 && key < 2 * options_.shape.dim && ItemOwner(key, options_.n_servers) == options_.server_index,
               "attention key ", key, " not owned by server ", options_.server_index);
  return &att_[static_cast<std::size_t>(local) * options_.shape.att_dim];
}

void ServerShard::ReadRows(const std::int32_t* item_keys, int n_item_keys, const std::int32_t* att_keys,
                           int n_att_keys, float* out) const {
  auto* self = const_cast<ServerShard*>(this);
  const int width = options_.shape.item_width(), da = options_.shape.att_dim;
  for (int i = 0; i < n_item_keys; ++i, out += width) std::copy_n(self->ItemRow(item_keys[i]), width, out);
  for (int i = 0; i < n_att_keys; ++i, out += da) std::copy_n(self->AttentionRow(att_keys[i]), da, out);
}

void ServerShard::ApplyGradients(const std::int32_t* item_keys, int n_item_keys, const std::int32_t* att_keys,
                                 int n_att_keys, const float* gradients, float gradient_scale) {
  const int width = options_.shape.item_width(), da = options_.shape.att_dim, S = options_.n_servers;
  for (int i = 0; i < n_item_keys; ++i, gradients += width) {
    float* row = ItemRow(item_keys[i]);
    const std::size_t offset = row - items_.data();
    AdamUpdateRow(options_.adam, row, &item_m_[offset], &item_v_[offset], gradients, width,
                  item_steps_[ItemLocalIndex(item_keys[i], S)], gradient_scale);
  }
  for (int i = 0; i < n_att_keys; ++i, gradients += da) {
    float* row = AttentionRow(att_keys[i]);
    const std::size_t offset = row - att_.data();
    AdamUpdateRow(att_adam_, row, &att_m_[offset], &att_v_[offset], gradients, da,
                  att_steps_[ItemLocalIndex(att_keys[i], S)], gradient_scale);
  }
}

void ServerShard::ApplyClock(const std::vector<PushedGradients>& pushes) {
  const int width = options_.shape.item_width(), da = options_.shape.att_dim, S = options_.n_servers;
  // Sums, per key, the rows of every push that names it, in push order; then one step per key.
  auto sum_and_apply = [&](int row_width, auto keys_of, auto offset_of, auto apply) {
    clock_rows_.clear();
    for (const PushedGradients& push : pushes) {
      const auto [keys, n_keys] = keys_of(push);
      const float* values = push.values + offset_of(push);
      for (int i = 0; i < n_keys; ++i) clock_rows_.emplace_back(keys[i], values + static_cast<std::size_t>(i) * row_width);
    }
    // Stable: equal keys keep push order, so the sum's order is fixed.
    std::stable_sort(clock_rows_.begin(), clock_rows_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    clock_sum_.resize(row_width);
    Eigen::Map<Eigen::ArrayXf> sum(clock_sum_.data(), row_width);
    for (std::size_t i = 0; i < clock_rows_.size();) {
      const std::int32_t key = clock_rows_[i].first;
      sum = Eigen::Map<const Eigen::ArrayXf>(clock_rows_[i].second, row_width);
      for (++i; i < clock_rows_.size() && clock_rows_[i].first == key; ++i)
        sum += Eigen::Map<const Eigen::ArrayXf>(clock_rows_[i].second, row_width);
      apply(key, clock_sum_.data());
    }
  };
  sum_and_apply(
      width, [](const PushedGradients& p) { return std::pair{p.item_keys, p.n_item_keys}; },
      [](const PushedGradients&) { return std::size_t{0}; },
      [&](std::int32_t key, const float* gradient) {
        float* row = ItemRow(key);
        const std::size_t offset = row - items_.data();
        AdamUpdateRow(options_.adam, row, &item_m_[offset], &item_v_[offset], gradient, width,
                      item_steps_[ItemLocalIndex(key, S)]);
      });
  sum_and_apply(
      da, [](const PushedGradients& p) { return std::pair{p.att_keys, p.n_att_keys}; },
      [&](const PushedGradients& p) { return static_cast<std::size_t>(p.n_item_keys) * width; },
      [&](std::int32_t key, const float* gradient) {
        float* row = AttentionRow(key);
        const std::size_t offset = row - att_.data();
        AdamUpdateRow(att_adam_, row, &att_m_[offset], &att_v_[offset], gradient, da,
                      att_steps_[ItemLocalIndex(key, S)]);
      });
}

void ServerShard::WriteCheckpoint(const std::string& path) {
  AMPCF_ASSERT(!average_in_, "checkpoint written while the average is swapped in");
  const int S = options_.n_servers, s = options_.server_index;
  const bool averaging = options_.average_decay > 0;  // else the file's average is the rows
  WriteCheckpointRows(path, kCheckpointItems, options_.shape.item_width(), RowSelection{s, S, n_local_items_},
                      RowArrays{items_.data(), item_m_.data(), item_v_.data(), best_items_.data(), item_steps_.data(),
                                averaging ? item_average_.data() : items_.data()});
  WriteCheckpointRows(path, kCheckpointAttention, options_.shape.att_dim, RowSelection{s, S, n_local_att_},
                      RowArrays{att_.data(), att_m_.data(), att_v_.data(), best_att_.data(), att_steps_.data(),
                                averaging ? att_average_.data() : att_.data()});
}

void ServerShard::ReadCheckpoint(const std::string& path) {
  const int S = options_.n_servers, s = options_.server_index;
  ReadCheckpointRows(path, kCheckpointItems, options_.shape.item_width(), RowSelection{s, S, n_local_items_},
                     RowArrays{items_.data(), item_m_.data(), item_v_.data(), best_items_.data(), item_steps_.data(),
                               item_average_.data()});
  ReadCheckpointRows(path, kCheckpointAttention, options_.shape.att_dim, RowSelection{s, S, n_local_att_},
                     RowArrays{att_.data(), att_m_.data(), att_v_.data(), best_att_.data(), att_steps_.data(),
                               att_average_.data()});
}

void ServerShard::SwapInAverage(bool restart) {
  AMPCF_ASSERT(!average_in_, "the average is already swapped in");
  FoldAverage(item_average_, items_, options_.average_decay, restart);
  FoldAverage(att_average_, att_, options_.average_decay, restart);
  std::swap(items_, item_average_);
  std::swap(att_, att_average_);
  average_in_ = true;
}

void ServerShard::SwapOutAverage() {
  AMPCF_ASSERT(average_in_, "the average is not swapped in");
  std::swap(items_, item_average_);
  std::swap(att_, att_average_);
  average_in_ = false;
}

void ServerShard::SaveBest() {
  best_items_ = items_;
  best_att_ = att_;
}

void ServerShard::RestoreBest() {
  items_ = best_items_;
  att_ = best_att_;
}

}  // namespace ampcf::ps
