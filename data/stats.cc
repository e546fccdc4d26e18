#include "data/stats.h"

#include <algorithm>
#include <cmath>
#include <spdlog/fmt/fmt.h>

namespace ampcf {

namespace {
Distribution Describe(std::vector<std::int64_t> values) {
  Distribution out;
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  double sum = 0, squares = 0;
  for (auto v : values) sum += static_cast<double>(v);
  out.mean = sum / values.size();
  for (auto v : values) squares += (v - out.mean) * (v - out.mean);
  out.std = std::sqrt(squares / values.size());
  const std::size_t n = values.size();
  out.median = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
  out.min = values.front();
  out.max = values.back();
  return out;
}
}  // namespace

DatasetStats ComputeStats(const Dataset& data) {
  DatasetStats stats;
  stats.users = data.n_users;
  stats.items = data.n_items;
  stats.training_examples = data.num_train();
  std::vector<std::int64_t> per_user(data.n_users), per_item(data.n_items, 0);
  for (std::int32_t u = 0; u < data.n_users; ++u) {
    per_user[u] = data.train_count(u);
    for (std::int32_t j : data.TrainItems(u)) ++per_item[j];
    if (data.ValItem(u) >= 0) {
      ++per_user[u];
      ++per_item[data.ValItem(u)];
      ++stats.validation_items;
    }
    ++per_user[u];
    ++per_item[data.TestItem(u)];
    ++stats.test_items;
  }
  stats.interactions = stats.training_examples + stats.validation_items + stats.test_items;
  // Items that occur only as evaluation negatives (NCF) have no interaction: not counted.
  per_item.erase(std::remove(per_item.begin(), per_item.end(), 0), per_item.end());
  stats.items = static_cast<std::int64_t>(per_item.size());
  stats.sparsity = 1.0 - static_cast<double>(stats.interactions) / (double(stats.users) * double(stats.items));
  stats.per_user = Describe(per_user);
  stats.per_item = Describe(per_item);
  return stats;
}

std::string FormatStats(const Dataset& data, const DatasetStats& s) {
  return fmt::format(
      "dataset            {}\n"
      "users              {}\n"
      "items              {}\n"
      "interactions       {}\n"
      "training examples  {}  (validation items {}, test items {})\n"
      "sparsity           {:.4f}%\n"
      "ratings per user   mean {:.2f}  std {:.2f}  median {:.1f}  min {}  max {}\n"
      "ratings per item   mean {:.2f}  std {:.2f}  median {:.1f}  min {}  max {}\n"
      "hold-out           {}\n",
      data.name, s.users, s.items, s.interactions, s.training_examples, s.validation_items, s.test_items,
      100.0 * s.sparsity, s.per_user.mean, s.per_user.std, s.per_user.median, s.per_user.min, s.per_user.max,
      s.per_item.mean, s.per_item.std, s.per_item.median, s.per_item.min, s.per_item.max, data.holdout);
}

}  // namespace ampcf
