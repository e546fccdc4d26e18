#include "cli/model_loading.h"

#include <algorithm>
#include <memory>

#include "cli/collective.h"
#include "data/dataset_share.h"
#include "models/registry.h"
#include "worker/fold_in.h"

namespace ampcf {

void CheckSameDataset(const ModelData& model, const std::string& model_path, const Dataset& data,
                      const DataConfig& data_config) {
  if (model.dataset_fingerprint != data.Fingerprint())
    throw UserError(Cat("--model ", model_path, " was trained on another dataset or split (", model.dataset,
                        ") than --data ", data_config.data, " gives"));
}

bool LoadShare(const DataConfig& data_config, Dataset& data) {
  DatasetSource source(data_config, MPI_COMM_WORLD);
  if (!CollectiveSetup([&] { source.Open(); })) return false;
  source.Description();
  return CollectiveSetup([&] { data = source.TakeShare(WorldRank(), WorldSize()); });
}

bool LoadShareAndModel(const DataConfig& data_config, const std::string& model_path, Dataset& data, ModelData& model) {
  return CollectiveSetup([&] {
           if (model_path.empty()) throw UserError("--model is required");
         }) &&
         LoadShare(data_config, data) && CollectiveSetup([&] {
           CheckSameDataset(LoadModel(model_path, 0, 0), model_path, data, data_config);
           model = LoadModel(model_path, data.held.begin, data.held.size());  // this rank's users' rows only
         });
}

bool FoldInRows(const std::string& model_path, int steps, double lr, std::uint64_t seed, const Dataset& data,
                const std::vector<std::int32_t>& users, ModelData& model) {
  std::unique_ptr<Model> trainable;
  std::vector<std::vector<float>> tables;
  TrainConfig config;
  if (!CollectiveSetup([&] {
        if (model.config.find("\nmodel = ") == std::string::npos)
          throw UserError(Cat(model_path, ": --fold-in needs the model's training options, which the file lacks"));
        try {
          config = TrainConfigFromDescription(model.config);
        } catch (const UserError& error) {
          throw UserError(Cat(model_path, ": its recorded options: ", error.what()));
        }
        config.pretrained.clear();  // the trained rows are in the file: nothing to start from
        if (config.model != model.model)
          throw UserError(Cat(model_path, ": a ", model.model, " model whose recorded options name --model ", config.model));
        trainable = MakeModel(config, data.n_items);
        tables = trainable->ImportTables(model, model_path);
      }))
    return false;
  FoldInOptions options;
  options.steps = steps;
  options.lr = lr;
  options.seed = seed;
  options.with_validation = model.trained_on_validation;
  const std::vector<float> rows = FoldInUsers(*trainable, config, tables, data, users, options);
  const auto width = static_cast<std::size_t>(model.shape.user_width());
  for (std::size_t i = 0; i < users.size(); ++i)
    std::copy_n(&rows[i * width], width, &model.personas[static_cast<std::size_t>(users[i] - model.first_user) * width]);
  return true;
}

}  // namespace ampcf
