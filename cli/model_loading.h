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

// What fold-in needs from a command's options (options/config.h: AMPCF_FOLD_IN_OPTIONS).
struct FoldInRequest {
  std::string model_path;
  int steps = 100;
  double lr = 0.03;
  std::uint64_t seed = 1;
};

template <typename Config>
FoldInRequest FoldInRequestOf(const Config& config) {
  return {config.model, config.fold_in_steps, config.fold_in_lr, config.fold_in_seed};
}

// Replaces the rows of `users` (this rank's, dense ids) in `model` (read from the request's
// model path, this rank's users' rows) by rows folded in from their training items with every
// other parameter frozen (worker/fold_in.h), the model's training options taken from its file.
// Collective; false after a user error, reported by rank 0.
bool FoldInRows(const FoldInRequest& request, const Dataset& data, const std::vector<std::int32_t>& users,
                ModelData& model);

// `--new-users FILE`: the users of the file (data/user_items_file.h), as a dataset of their own
// (`file_users`: the item side of `data`, the file's users in its order) and their rows folded
// in (`rows`: user_width() floats per user held, in dense order). With `only` set, that user
// alone, on every rank (explain); otherwise the file's users are shared out over the ranks in
// file order. A user `data`'s dataset holds is refused, naming their line, unless `replace`.
// Every file user starts from the same row (the initialiser's row of the next user id, the
// dataset's user count) and draws negatives seeded by their id's text: a user's row depends on
// their items and the seed alone. Collective; false after a user error, reported by rank 0.
bool FoldInNewUsers(const FoldInRequest& request, const std::string& path, bool replace, const std::string& only,
                    const Dataset& data, const ModelData& model, Dataset& file_users, std::vector<float>& rows);

// The users a command over a trained model works on (`--users`: this rank's share of them),
// their rows folded in first with `--fold-in`. `Config` holds model, users and the fold-in
// options (options/config.h: AMPCF_FOLD_IN_OPTIONS). Collective; false after a user error.
template <typename Config>
bool SelectUsersAndFoldIn(const Config& config, const Dataset& data, ModelData& model,
                          std::vector<std::int32_t>& users) {
  return SelectUsers("--users", config.users, data, users) &&
         (!config.fold_in || FoldInRows(FoldInRequestOf(config), data, users, model));
}

}  // namespace ampcf
