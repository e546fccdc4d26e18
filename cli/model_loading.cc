#include "cli/model_loading.h"

#include "cli/collective.h"
#include "data/dataset_share.h"
#include "models/registry.h"

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

}  // namespace ampcf
