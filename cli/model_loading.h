// Loading what the commands over a trained model share: this rank's share of the dataset, and
// the check that a model belongs to it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/user_list.h"
#include "data/dataset.h"
#include "io/model_file.h"
#include "options/config.h"

namespace ampcf {

// UserError unless `model` (read from `model_path`) was trained on `data`'s dataset and split.
void CheckSameDataset(const ModelData& model, const std::string& model_path, const Dataset& data,
                      const DataConfig& data_config);

// This rank's share of the users (data/dataset_share.h: the input is read once). Collective;
// false after a user error, reported by rank 0.
bool LoadShare(const DataConfig& data_config, Dataset& data);

// This rank's share, and the rows of its users in the model at `model_path` after checking that
// it belongs to the dataset. Collective; false after a user error, reported by rank 0.
bool LoadShareAndModel(const DataConfig& data_config, const std::string& model_path, Dataset& data, ModelData& model);

// Replaces the rows of `users` (this rank's, dense ids) in `model` (read from `model_path`, this
// rank's users' rows) by rows folded in from their training items with every other parameter
// frozen (worker/fold_in.h), the model's training options taken from its file. Collective; false
// after a user error, reported by rank 0.
bool FoldInRows(const std::string& model_path, int steps, double lr, std::uint64_t seed, const Dataset& data,
                const std::vector<std::int32_t>& users, ModelData& model);

// The users a command over a trained model works on (`--users`: this rank's share of them),
// their rows folded in first with `--fold-in`. `Config` holds model, users and the fold-in
// options (options/config.h: AMPCF_FOLD_IN_OPTIONS). Collective; false after a user error.
template <typename Config>
bool SelectUsersAndFoldIn(const Config& config, const Dataset& data, ModelData& model,
                          std::vector<std::int32_t>& users) {
  return SelectUsers("--users", config.users, data, users) &&
         (!config.fold_in || FoldInRows(config.model, config.fold_in_steps, config.fold_in_lr, config.fold_in_seed,
                                        data, users, model));
}

}  // namespace ampcf
