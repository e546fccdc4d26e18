#include "eval/aisp.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"

namespace ampcf {

std::vector<float> AispPersonas(const Dataset& data, const TasteSpace& space, int personas,
                                const std::vector<std::int32_t>& users, std::uint64_t seed) {
  const int dims = space.components;
  std::vector<float> out;
  out.reserve(users.size() * personas * dims);
  for (std::int32_t u : users) {
    const std::span<const std::int32_t> items = data.TrainItems(u);
    Eigen::MatrixXd points(static_cast<Eigen::Index>(items.size()), dims);
    for (std::size_t i = 0; i < items.size(); ++i) points.row(static_cast<Eigen::Index>(i)) = space.item_coordinates.row(items[i]);
    const int clusters = std::max(1, std::min<int>(personas, static_cast<int>(items.size())));
    std::vector<int> labels;
    double inertia = 0;
    Eigen::MatrixXd means = items.empty() ? Eigen::MatrixXd::Zero(1, dims)
                                          : KMeans(points, clusters, 3, 50, MixSeed(seed, static_cast<std::uint64_t>(u)),
                                                   labels, inertia);
    for (int k = 0; k < personas; ++k)
      for (int c = 0; c < dims; ++c) out.push_back(static_cast<float>(means(std::min<int>(k, clusters - 1), c)));
  }
  return out;
}

ModelData AispModel(const Dataset& data, const TasteSpace& space, int personas, std::vector<float> all_personas) {
  ModelData model;
  const int dims = space.components;
  model.shape.personas = personas;
  model.shape.dim = dims;
  model.shape.SetSize("att_dim", dims);
  model.dataset = data.name;
  model.dataset_fingerprint = data.Fingerprint();
  model.config = Cat("aisp personas = ", personas, "\ncomponents = ", dims, "\n");
  model.item_ids = data.item_ids;
  model.user_ids = data.user_ids;
  model.user_names = data.user_names;
  model.item_names = data.item_names;
  model.items.assign(static_cast<std::size_t>(data.n_items) * (dims + 1), 0.0f);
  for (std::int32_t j = 0; j < data.n_items; ++j)
    for (int c = 0; c < dims; ++c) model.items[static_cast<std::size_t>(j) * (dims + 1) + c] = static_cast<float>(space.item_coordinates(j, c));
  DenseArray identity{"attention/A_u", dims, dims, std::vector<float>(static_cast<std::size_t>(dims) * dims, 0.0f)};
  for (int c = 0; c < dims; ++c) identity.values[static_cast<std::size_t>(c) * dims + c] = 1.0f;
  model.dense = {identity, identity};
  model.dense[1].path = "attention/A_v";
  model.personas = std::move(all_personas);
  return model;
}

}  // namespace ampcf
