// model.h5: a trained model in HDF5, keyed by the dataset's original ids.
//
//   /                 attributes: format ("ampcf-model"), version (2), model (its name,
//                     models/registry.h), the shape (personas, dim and the model's own sizes:
//                     io/shape_attributes.h), dataset, dataset_fingerprint,
//                     config (the effective options, one per line), dense (the paths of the
//                     model's dense arrays, one per line), trained_on_validation (1 after
//                     --refit: the users' validation items were trained on)
//   /items/ids        int64 [n_items]          original item ids
//   /items/embedding  float [n_items, d]       v_j
//   /items/bias       float [n_items]          b_j
//   /items/train_counts int64 [n_items]         positives per item in training: the negative
//                     sampler's weights, for fold-in outside ampcf (python/ampcf/model.py;
//                     trained models only, absent before this was written)
//   /users/ids        int64 [n_users]          original user ids        (chunked, Fletcher-32)
//   /users/personas   float [n_users, r, d]    u_ik (r = 1: one vector per user; chunked, Fletcher-32);
//                     item-based models [n_users, 1, user_columns]: the dense ids of the items that
//                     represent the user, as floats (exact below 2^24), -1 past the last
//   /users/names, /items/names   the string ids of datasets that have them ('\n'-joined)
//   each dense array  float [rows, cols]       e.g. AMP-CF's /attention/A_u and /attention/A_v
//
// The file is written under a temporary name and renamed, so a crash never leaves half a model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "io/model_shape.h"

namespace ampcf {

// A named 2-D array of a model beyond its item and user rows.
struct DenseArray {
  std::string path;  // "group/name"
  std::int64_t rows = 0, cols = 0;
  std::vector<float> values;  // row-major
};

struct ModelData {
  std::string model;  // models/registry.h names it; empty in version-1 files, which predate the name
  ModelShape shape;
  std::string dataset;
  std::uint64_t dataset_fingerprint = 0;
  std::string config;
  std::vector<std::int64_t> item_ids;
  std::vector<float> items;  // n_items x (d+1): [v_j, b_j], the servers' layout
  std::vector<std::int64_t> item_train_counts;  // written when set (/items/train_counts), not read back
  std::vector<DenseArray> dense;
  // The users held: all, or those from first_user on (ReadModel with a range).
  std::int64_t first_user = 0;
  std::vector<std::int64_t> user_ids;
  std::vector<float> personas;  // held users x r x d
  std::vector<std::string> user_names, item_names;  // string ids (Amazon), else empty
  // --refit: the validation items were training items too, so outputs exclude them like the
  // training items (attribute trained_on_validation; absent: false).
  bool trained_on_validation = false;
};

void WriteModel(const std::string& path, const ModelData& model);
// model.h5 from many ranks, no rank holding every user's rows: the lead creates `temporary`
// with everything but the users' ids and rows (CreateModelFile: `model`'s user_ids and personas
// are ignored, the arrays sized for n_users), each rank holding users writes its block of them
// (WriteModelUsers: ids.size() users from first_user, personas r x d each; one rank at a time),
// and the lead moves the file into place (FinishModelFile: flushed to disk, then renamed).
void CreateModelFile(const std::string& temporary, const ModelData& model, std::int64_t n_users);
void WriteModelUsers(const std::string& temporary, std::int64_t first_user, std::span<const std::int64_t> ids,
                     const float* personas);
void FinishModelFile(const std::string& temporary, const std::string& path);
// Throws UserError naming the file on a missing, foreign, truncated or inconsistent file.
// `first_user`, `n_users`: only these users' ids and personas are read (hyperslabs); n_users -1:
// every user.
ModelData ReadModel(const std::string& path, std::int64_t first_user = 0, std::int64_t n_users = -1);
// The original ids of every user of a model file, and the personas of users [first, first +
// count) into `out` (count x r x d floats); UserError naming the file.
std::vector<std::int64_t> ReadModelUserIds(const std::string& path);
// Every user's string id (Amazon), or none when the dataset's ids are numbers.
std::vector<std::string> ReadModelUserNames(const std::string& path);
void ReadModelPersonas(const std::string& path, std::int64_t first, std::int64_t count, float* out);
// The named dense array; UserError naming `path` (the file) when absent or of another shape.
const DenseArray& FindDense(const ModelData& model, const std::string& name, std::int64_t rows, std::int64_t cols,
                            const std::string& path);

}  // namespace ampcf
