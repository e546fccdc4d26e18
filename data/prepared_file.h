// The prepared form of a dataset (`ampcf prepare`): the result of reading and preparing it
// (data/dataset.h), stored so that train, eval, explain and stats load it instead of parsing.
//
//   /   attributes: format ("ampcf-prepared"), version (1), name, holdout, n_users, n_items,
//       total_interactions, fingerprint (checked on load), preparation (the data options used)
//   /users/ids int64 [n_users], /items/ids int64 [n_items]      original ids, dense order
//   /users/names, /items/names: string ids ('\n'-joined, dense order) of datasets that have them
//   /train/offsets int64 [n_users + 1], /train/items int32      training items per user (CSR)
//   /heldout/validation, /heldout/test int32 [n_users]           -1: none
//   /candidates/{validation,test}_offsets int64, /candidates/{validation,test} int32
//   /items/train_counts int64 [n_items]
//   /items/titles, /items/genres: one string each, '\n'-separated in item order, when the
//       dataset ships metadata (MovieLens movies.csv / movies.dat, Last.fm artists.dat)
#pragma once

#include <string>

#include "options/config.h"
#include "data/dataset.h"

namespace ampcf {

// Writes `data` (and the item metadata found beside config.data) to `path`, atomically.
void WritePrepared(const std::string& path, const Dataset& data, const DataConfig& config);
// True when `path` is an HDF5 file in this format.
bool IsPreparedFile(const std::string& path);
// Reads a prepared file; UserError naming the file when it is corrupt or inconsistent.
Dataset ReadPrepared(const std::string& path);
// The item ids and the titles and genres stored in a prepared file (empty lists when none),
// without reading the rest of it.
void ReadPreparedItemInfo(const std::string& path, std::vector<std::int64_t>& item_ids, std::vector<std::string>& titles,
                          std::vector<std::string>& genres);

}  // namespace ampcf
