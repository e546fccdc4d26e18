// The models `ampcf train --model NAME` knows (one line each in registry.cc; a model outside
// models/, such as a test's, adds itself with RegisterModel), and loading a trained one from a file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "models/model.h"
#include "models/model_info.h"
#include "options/config.h"

namespace ampcf {

// The model called `name` ("": the default model, which also holds the files from before models
// had names); UserError naming --model and listing the known models when there is none.
const ModelInfo& FindModel(const std::string& name);
// Every known model, in registration order.
std::vector<const ModelInfo*> KnownModels();
// Adds a model; returns true, so that a file outside models/ can register one in a static
// initialiser (`const bool registered = RegisterModel(...)`). The name must be new. Not
// thread-safe: call it before main or before any other function here.
bool RegisterModel(ModelInfo info);

// Gives the shared options of `config` the defaults of the model's recipe (ModelInfo::recipe).
// The command line calls it before it parses, so that --help shows them and the user's values
// still win.
void ApplyRecipe(const ModelInfo& model, TrainConfig& config);

// UserError naming --pretrained when it gives files to a model that pretrains from none, or not
// one file per model its recipe pretrains from.
void CheckPretrainedCount(const TrainConfig& config);

// The model config.model names, for training on a catalogue of n_items; UserError naming
// --model when there is no such model, or --pretrained when its files do not match the models
// the recipe pretrains from.
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
