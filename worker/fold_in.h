// Fold-in: per-user rows for users whom the model's item side never saw (new users, or users
// held out of training), fitted with every server table frozen, as implicit's
// recalculate_user does. The loss is the model's own training loss over the user's training
// items, with |N| negatives drawn as in training (worker/batch_builder.h); Adam updates the
// user's row only, `steps` times, each step a batch of up to the training batch size of the
// user's items (all of them, for most users). Models whose user row is made from the user's
// items (FISM, DeepICF+a) need no fitting: the row is made. Each user is fitted alone, seeded
// by (seed, the user's id): a user's row does not depend on who else is folded in, nor on the
// number of ranks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "data/dataset.h"
#include "models/model.h"
#include "options/config.h"

namespace ampcf {

struct FoldInOptions {
  int steps = 100;
  double lr = 0.03;  // Adam's step on the users' rows (the model's --l2 is kept)
  std::uint64_t seed = 1;
  bool with_validation = false;  // the validation items are evidence too (a model trained with --refit)
  // The keys of a user's random streams, from their dense id: the initialiser's row they start
  // from (default: their dense id, the row training gives them) and the seed of their negatives
  // (default: the dataset's id of the user, data.UserId).
  std::function<std::int64_t(std::int32_t)> start_key;
  std::function<std::uint64_t(std::int32_t)> seed_key;
};

// The rows of `users` (dense ids of users `data` holds; their training items are the evidence),
// one after another in that order. `model` is the trained model's kind built from its training
// options `config` (MakeModel); `server_tables[t]`: every row of its server table t
// (Model::ImportTables).
std::vector<float> FoldInUsers(Model& model, const TrainConfig& config,
                               const std::vector<std::vector<float>>& server_tables, const Dataset& data,
                               const std::vector<std::int32_t>& users, const FoldInOptions& options);

}  // namespace ampcf
