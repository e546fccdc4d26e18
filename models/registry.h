// The models `ampcf train --model NAME` knows, and loading a trained one from a file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "models/model.h"
#include "options/config.h"

namespace ampcf {

// The model config.model names, for training on a catalogue of n_items; UserError naming
// --model when there is no such model.
std::unique_ptr<Model> MakeModel(const TrainConfig& config, std::int64_t n_items);
// The model a file holds (model.h5 or a checkpoint), for scoring; UserError naming `path`.
std::unique_ptr<Model> ModelOf(const ModelData& model, const std::string& path);

// A model file or a checkpoint (its rows' running average: the rows themselves when averaging
// is off); UserError naming the file on a missing, foreign, truncated or inconsistent file.
// `first_user`, `n_users`: only these users' rows are read (n_users -1: every user).
ModelData LoadModel(const std::string& path, std::int64_t first_user = 0, std::int64_t n_users = -1);

// A model's server tables and the scorer over them (which points into `tables`).
struct LoadedScorer {
  std::unique_ptr<Model> model;
  std::vector<std::vector<float>> tables;
  std::unique_ptr<Scorer> scorer;
};
LoadedScorer MakeScorer(const ModelData& model, const std::string& path);

}  // namespace ampcf
