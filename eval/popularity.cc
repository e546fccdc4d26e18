#include "eval/popularity.h"

#include <cmath>

namespace ampcf {

ModelData PopularityModel(const Dataset& data) {
  ModelData model;
  model.shape.personas = 1;
  model.shape.dim = 1;
  model.shape.SetSize("att_dim", 1);
  model.dataset = data.name;
  model.dataset_fingerprint = data.Fingerprint();
  model.config = "popularity: b_j = ln(1 + training count of item j)\n";
  model.item_ids = data.item_ids;
  model.item_names = data.item_names;
  model.items.assign(static_cast<std::size_t>(data.n_items) * 2, 0.0f);  // rows [v_j, b_j], v_j = 0
  for (std::int32_t j = 0; j < data.n_items; ++j)
    model.items[static_cast<std::size_t>(j) * 2 + 1] = static_cast<float>(std::log1p(static_cast<double>(data.item_train_counts[j])));
  model.dense = {{"attention/A_u", 1, 1, {1.0f}}, {"attention/A_v", 1, 1, {1.0f}}};
  return model;
}

}  // namespace ampcf
