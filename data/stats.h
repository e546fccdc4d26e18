// `ampcf stats`: the columns of the AMP-CF paper's Table 1 for a prepared dataset.
#pragma once

#include <string>

#include "data/dataset.h"

namespace ampcf {

struct Distribution {
  double mean = 0, std = 0, median = 0;
  std::int64_t min = 0, max = 0;
};

struct DatasetStats {
  std::int64_t users = 0, items = 0, interactions = 0, training_examples = 0;
  std::int64_t validation_items = 0, test_items = 0;
  double sparsity = 0;  // 1 - interactions / (users * items)
  Distribution per_user, per_item;  // interactions (training + held out)
};

DatasetStats ComputeStats(const Dataset& data);
std::string FormatStats(const Dataset& data, const DatasetStats& stats);

}  // namespace ampcf
