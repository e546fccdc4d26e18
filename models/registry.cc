#include "models/registry.h"

#include <deque>

#include "core/error.h"
#include "io/checkpoint_file.h"
#include "models/amp/amp_cf.h"
#include "models/bpr_mf/bpr_mf.h"
#include "models/convncf/convncf.h"
#include "models/deepicf/deepicf.h"
#include "models/neumf/neumf.h"

namespace ampcf {

namespace {

// One line per model; its folder declares the rest.
// A deque: registering a model keeps the others where they are (KnownModels hands out pointers).
std::deque<ModelInfo>& Models() {
  static std::deque<ModelInfo> models = {
      AmpCfInfo(), BprMfInfo(), NeuMfInfo(), GmfInfo(), MlpInfo(), ConvNcfInfo(), FismInfo(), DeepIcfInfo(),
  };
  return models;
}

// --model's default, and the model of files written before models had names (version 1).
constexpr const char* kDefaultModel = "amp-cf";

const ModelInfo* Find(const std::string& given) {
  const std::string name = given.empty() ? kDefaultModel : given;
  for (const ModelInfo& model : Models())
    if (name == model.name) return &model;
  return nullptr;
}

std::string Known() {
  std::string names;
  for (const ModelInfo& model : Models()) names += (names.empty() ? "" : ", ") + model.name;
  return names;
}

// A checkpoint's model: the average rows of its tables (of the users asked for), server tables
// through the model.
ModelData ModelOfCheckpoint(const std::string& path, std::int64_t first_user, std::int64_t n_users) {
  const CheckpointInfo info = ReadCheckpointInfo(path);
  ModelData model;
  model.model = info.header.model;
  model.shape = info.header.shape;
  model.dataset = info.header.dataset;
  model.dataset_fingerprint = info.header.dataset_fingerprint;
  model.config = info.header.config;
  model.item_ids = info.header.item_ids;
  const auto all_users = static_cast<std::int64_t>(info.header.user_ids.size());
  if (n_users < 0) n_users = all_users - first_user;
  if (first_user < 0 || first_user + n_users > all_users)
    throw UserError(Cat(path, ": has ", all_users, " users, fewer than ", first_user + n_users));
  model.first_user = first_user;
  model.user_ids.assign(info.header.user_ids.begin() + first_user, info.header.user_ids.begin() + first_user + n_users);
  const std::unique_ptr<Model> owner = ModelOf(model, path);
  // Every model has item rows [v_j, b_j] and user rows as its shape says; a scoring model has no
  // table list of its own to check the others against.
  for (const CheckpointTable& table : info.header.tables) {
    const int expected = table.name == "items" ? model.shape.item_width()
                         : table.name == "users" ? model.shape.user_width() : table.width;
    if (table.width != expected)
      throw UserError(Cat(path, ": table ", table.name, " of width ", table.width, " where a ", model.model, " model (",
                          ShapeText(model.shape), ") has ", expected));
  }
  std::vector<std::vector<float>> server_tables;
  for (const CheckpointTable& table : info.header.tables) {
    const bool users = table.name == "users";
    const RowSelection rows = users ? RowSelection{first_user, 1, n_users} : RowSelection{0, 1, table.rows};
    const std::size_t n = static_cast<std::size_t>(rows.count) * table.width;
    std::vector<float> average(n), scratch(4 * n);
    std::vector<std::int32_t> steps(rows.count);
    ReadCheckpointRows(path, table.name.c_str(), table.width, rows,
                       RowArrays{scratch.data(), scratch.data() + n, scratch.data() + 2 * n, scratch.data() + 3 * n,
                                 steps.data(), average.data()});
    if (users)
      model.personas = std::move(average);
    else
      server_tables.push_back(std::move(average));
  }
  std::vector<const float*> pointers;
  for (const std::vector<float>& table : server_tables) pointers.push_back(table.data());
  owner->ExportTables(pointers, model);
  return model;
}

}  // namespace

const ModelInfo& FindModel(const std::string& name) {
  const ModelInfo* model = Find(name);
  if (model == nullptr) throw UserError(Cat("--model ", name, ": no such model (", Known(), ")"));
  return *model;
}

std::vector<const ModelInfo*> KnownModels() {
  std::vector<const ModelInfo*> models;
  for (const ModelInfo& model : Models()) models.push_back(&model);
  return models;
}

bool RegisterModel(ModelInfo info) {
  AMPCF_ASSERT(Find(info.name) == nullptr, "a second model named ", info.name);
  Models().push_back(std::move(info));
  return true;
}

void ApplyRecipe(const ModelInfo& model, TrainConfig& config) {
  for (const auto& [name, value] : model.recipe) SetTrainOption(config, name, value);
}

void CheckPretrainedCount(const TrainConfig& config) {
  const ModelInfo& model = FindModel(config.model);
  const std::size_t given = PretrainedPaths(config).size();
  if (given != 0 && model.pretrain.empty())
    throw UserError(Cat("--pretrained: --model ", config.model, " starts from random rows"));
  if (given != 0 && given != model.pretrain.size()) {
    std::string names;
    for (const std::string& name : model.pretrain) names += (names.empty() ? "" : ",") + name;
    throw UserError(Cat("--pretrained ", config.pretrained, ": --model ", config.model, " takes ", model.pretrain.size(),
                        " model file(s), of ", names, ", in that order"));
  }
}

std::unique_ptr<Model> MakeModel(const TrainConfig& config, std::int64_t n_items) {
  CheckPretrainedCount(config);
  return FindModel(config.model).for_training(config, n_items);
}

std::unique_ptr<Model> ModelOf(const ModelData& model, const std::string& path) {
  const ModelInfo* found = Find(model.model);
  if (found == nullptr) throw UserError(Cat(path, ": a model of kind '", model.model, "', which this ampcf lacks (", Known(), ")"));
  return found->for_scoring(model.shape);
}

ModelData LoadModel(const std::string& path, std::int64_t first_user, std::int64_t n_users) {
  return IsCheckpointFile(path) ? ModelOfCheckpoint(path, first_user, n_users) : ReadModel(path, first_user, n_users);
}

LoadedScorer MakeScorer(const ModelData& model, const std::string& path) {
  LoadedScorer loaded;
  loaded.model = ModelOf(model, path);
  loaded.tables = loaded.model->ImportTables(model, path);
  std::vector<const float*> pointers;
  for (const std::vector<float>& table : loaded.tables) pointers.push_back(table.data());
  loaded.scorer = loaded.model->MakeScorer(pointers, static_cast<std::int32_t>(model.item_ids.size()));
  return loaded;
}

}  // namespace ampcf
