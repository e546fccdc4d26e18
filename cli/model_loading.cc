#include "cli/model_loading.h"

#include <mpi.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "cli/collective.h"
#include "core/text_hash.h"
#include "data/dataset_share.h"
#include "data/id_lookup.h"
#include "data/readers.h"
#include "data/user_items_file.h"
#include "models/registry.h"
#include "worker/fold_in.h"

namespace ampcf {

void CheckSameDataset(const ModelData& model, const std::string& model_path, const Dataset& data,
                      const DataConfig& data_config) {
  if (model.dataset_fingerprint != data.Fingerprint())
    throw UserError(Cat("--model ", model_path, " was trained on another dataset or split (", model.dataset,
                        ") than --data ", data_config.data, " gives"));
  // The fingerprint is the file's word; the arrays must agree with it.
  if (model.item_ids.size() != static_cast<std::size_t>(data.n_items))
    throw UserError(Cat(model_path, ": /items/ids has ", model.item_ids.size(), " items, the dataset it names ",
                        data.n_items));
  for (std::size_t j = 0; j < model.item_ids.size(); ++j)
    if (model.item_ids[j] != data.item_ids[j])
      throw UserError(Cat(model_path, ": /items/ids[", j, "] is ", model.item_ids[j], ", the dataset's item there is ",
                          data.item_ids[j]));
}

bool LoadShare(const DataConfig& data_config, Dataset& data) {
  DatasetSource source(data_config, MPI_COMM_WORLD);
  if (!CollectiveSetup([&] { source.Open(WorldSize()); })) return false;
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

namespace {

// A trained model made trainable again: its training options read back from its file, the
// model they build, and its server tables.
struct TrainableModel {
  TrainConfig config;
  std::unique_ptr<Model> model;
  std::vector<std::vector<float>> tables;
};

// UserError naming `path` when the file does not record its training options.
TrainableModel LoadTrainable(const std::string& path, const ModelData& model, std::int32_t n_items) {
  if (model.config.find("\nmodel = ") == std::string::npos)
    throw UserError(Cat(path, ": fold-in needs the model's training options, which the file lacks"));
  TrainableModel trainable;
  try {
    trainable.config = TrainConfigFromDescription(model.config);
  } catch (const UserError& error) {
    throw UserError(Cat(path, ": its recorded options: ", error.what()));
  }
  trainable.config.pretrained.clear();  // the trained rows are in the file: nothing to start from
  if (trainable.config.model != model.model)
    throw UserError(Cat(path, ": a ", model.model, " model whose recorded options name --model ", trainable.config.model));
  trainable.model = MakeModel(trainable.config, n_items);
  trainable.tables = trainable.model->ImportTables(model, path);
  return trainable;
}

FoldInOptions OptionsOf(const FoldInRequest& request, const ModelData& model) {
  FoldInOptions options;
  options.steps = request.steps;
  options.lr = request.lr;
  options.seed = request.seed;
  options.with_validation = model.trained_on_validation;
  return options;
}

// Rank 0 warns of the file's skipped lines and dropped users, the first few by name.
void ReportSkipped(const std::string& path, const UserItems& file, const std::string& dataset) {
  constexpr std::size_t kShown = 5;
  for (std::size_t i = 0; i < std::min(kShown, file.skipped.size()); ++i)
    spdlog::warn("--new-users {}:{}: item '{}' is not in {}; line skipped", path, file.skipped[i].line,
                 file.skipped[i].item, dataset);
  if (file.skipped.size() > kShown)
    spdlog::warn("--new-users {}: {} more lines name items not in {}; skipped", path, file.skipped.size() - kShown, dataset);
  for (std::size_t i = 0; i < std::min(kShown, file.dropped_users.size()); ++i)
    spdlog::warn("--new-users {}: user '{}' has no item the model knows; left out", path, file.dropped_users[i]);
  if (file.dropped_users.size() > kShown)
    spdlog::warn("--new-users {}: {} more users have no item the model knows; left out", path,
                 file.dropped_users.size() - kShown);
}

}  // namespace

bool FoldInRows(const FoldInRequest& request, const Dataset& data, const std::vector<std::int32_t>& users,
                ModelData& model) {
  TrainableModel trainable;
  if (!CollectiveSetup([&] { trainable = LoadTrainable(request.model_path, model, data.n_items); })) return false;
  const std::vector<float> rows =
      FoldInUsers(*trainable.model, trainable.config, trainable.tables, data, users, OptionsOf(request, model));
  const auto width = static_cast<std::size_t>(model.shape.user_width());
  for (std::size_t i = 0; i < users.size(); ++i)
    std::copy_n(&rows[i * width], width, &model.personas[static_cast<std::size_t>(users[i] - model.first_user) * width]);
  return true;
}

bool FoldInNewUsers(const FoldInRequest& request, const std::string& path, bool replace, const std::string& only,
                    const Dataset& data, const ModelData& model, Dataset& file_users, std::vector<float>& rows) {
  UserItems file;
  TrainableModel trainable;
  if (!CollectiveSetup([&] {
        file = ReadUserItems("--new-users", path, IdLookup(data));
        if (!only.empty()) {
          const auto found = std::find(file.users.begin(), file.users.end(), only);
          if (found == file.users.end())
            throw UserError(Cat("--user ", only, ": no such user with a known item in --new-users ", path));
          const auto i = static_cast<std::size_t>(found - file.users.begin());
          file.users = {file.users[i]};
          file.first_line = {file.first_line[i]};
          file.items = {file.items[i]};
          std::erase_if(file.skipped, [&](const UserItems::Skipped& line) { return line.user != only; });
          file.dropped_users.clear();
        }
        trainable = LoadTrainable(request.model_path, model, data.n_items);
      }))
    return false;
  if (WorldRank() == 0) ReportSkipped(path, file, data.name);
  // Which file users the dataset holds: each rank looks among its own users, by the id as
  // written ("007" is not user 7 of an integer-id dataset, as UsersOfFile keeps it a name).
  const IdLookup lookup(data);
  std::vector<std::uint8_t> known(file.users.size(), 0);
  std::int64_t value = 0;
  for (std::size_t i = 0; i < file.users.size(); ++i)
    known[i] = (data.HasUserNames() || IsCanonicalInt(file.users[i], value)) && lookup.User(file.users[i]) >= 0;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, known.data(), static_cast<int>(known.size()), MPI_UINT8_T, MPI_MAX,
                                MPI_COMM_WORLD));
  if (!CollectiveSetup([&] {
        if (replace) return;
        for (std::size_t i = 0; i < known.size(); ++i)
          if (known[i])
            throw UserError(Cat("--new-users ", path, ":", file.first_line[i], ": user '", file.users[i],
                                "' is already in ", data.name, " (--replace-users fits them anew from this file)"));
      }))
    return false;
  const auto n = static_cast<std::int64_t>(file.users.size());
  const UserRange range = only.empty() ? UserRange{static_cast<std::int32_t>(n * WorldRank() / WorldSize()),
                                                   static_cast<std::int32_t>(n * (WorldRank() + 1) / WorldSize())}
                                       : UserRange{0, 1};
  file_users = UsersOfFile(data, file, range);
  FoldInOptions options = OptionsOf(request, model);
  options.with_validation = false;  // a file's users have no validation items
  const std::int64_t start = data.n_users;
  options.start_key = [start](std::int32_t) { return start; };
  options.seed_key = [&file](std::int32_t u) { return TextHash(file.users[static_cast<std::size_t>(u)]); };
  rows = FoldInUsers(*trainable.model, trainable.config, trainable.tables, file_users, HeldUsers(file_users), options);
  return true;
}

}  // namespace ampcf
