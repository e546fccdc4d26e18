// model.h5: a trained AMP-CF model in HDF5, keyed by the dataset's original ids.
//
//   /                 attributes: format ("ampcf-model"), version (1), personas, dim, att_dim,
//                     dataset, dataset_fingerprint, config (the effective options, one per line)
//   /items/ids        int64 [n_items]          original item ids
//   /items/embedding  float [n_items, d]       v_j
//   /items/bias       float [n_items]          b_j
//   /attention/A_u    float [d, da]
//   /attention/A_v    float [d, da]
//   /users/ids        int64 [n_users]          original user ids
//   /users/personas   float [n_users, r, d]    u_ik
//   /users/names, /items/names   the string ids of datasets that have them ('\n'-joined)
//
// The file is written under a temporary name and renamed, so a crash never leaves half a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/amp_model.h"

namespace ampcf {

struct ModelData {
  ModelShape shape;
  std::string dataset;
  std::uint64_t dataset_fingerprint = 0;
  std::string config;
  std::vector<std::int64_t> item_ids;
  std::vector<float> items;  // n_items x (d+1): [v_j, b_j], the servers' layout
  std::vector<float> att_u, att_v;
  std::vector<std::int64_t> user_ids;
  std::vector<float> personas;  // n_users x r x d
  std::vector<std::string> user_names, item_names;  // string ids (Amazon), else empty
};

void WriteModel(const std::string& path, const ModelData& model);
// Also reads a checkpoint (src/checkpoint_file.h): its current parameters.
// Throws UserError naming the file on a missing, foreign, truncated or inconsistent file.
ModelData ReadModel(const std::string& path);

}  // namespace ampcf
