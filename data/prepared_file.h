// The prepared form of a dataset (`ampcf prepare`): the result of reading and preparing it
// (data/dataset.h), stored so that train, eval, explain and stats load it instead of parsing.
//
//   /   attributes: format ("ampcf-prepared"), version (2), name, holdout, n_users, n_items,
//       n_train, total_interactions, fingerprint (data/dataset.h), eval_seed and eval_negatives
//       (candidates are drawn from them when needed), preparation (the data options used)
//   /users/ids int64 [n_users], /items/ids int64 [n_items]      original ids, dense order
//   /users/names, /items/names: string ids ('\n'-joined, dense order) of datasets that have them
//   /train/offsets int64 [n_users + 1], /train/items int32      training items per user (CSR)
//   /heldout/validation, /heldout/test int32 [n_users]           -1: none
//   /candidates/test_offsets int64, /candidates/test int32       pre-split data's given negatives
//   /items/train_counts, /items/validation_counts int64 [n_items]
//   /items/titles, /items/genres: one string each, '\n'-separated in item order, when the
//       dataset ships metadata (MovieLens movies.csv / movies.dat, Last.fm artists.dat)
// Users' arrays are in user order, so a rank reads a range of users with hyperslabs alone.
#pragma once

#include <string>

#include "options/config.h"
#include "data/dataset.h"

namespace ampcf {

// Writes `data` (and the item metadata found beside config.data) to `path`, atomically.
void WritePrepared(const std::string& path, const Dataset& data, const DataConfig& config);
// True when `path` is an HDF5 file in this format.
bool IsPreparedFile(const std::string& path);
// Reads a prepared file with every user, checking the fingerprint; UserError naming the file
// when it is corrupt or inconsistent.
Dataset ReadPrepared(const std::string& path);
// The description and item side only (no user held): what every rank of a run reads.
Dataset ReadPreparedDescription(const std::string& path);
// Share `index` of `shares` (data/user_share.h) of the file that `description` (ReadPreparedDescription)
// describes, found with a few reads of /train/offsets; UserError when an offset read is out of order
// or outside [0, n_train].
UserRange ReadPreparedShare(const std::string& path, const Dataset& description, int index, int shares);
// Reads the data of the users of `range` into `data` (a description of the same file), with
// hyperslabs: nothing of the other users is read. (Without the whole file the fingerprint cannot
// be recomputed; the sizes and item ids read are checked.)
void ReadPreparedUsers(const std::string& path, UserRange range, Dataset& data);
// The item ids and the titles and genres stored in a prepared file (empty lists when none),
// without reading the rest of it.
void ReadPreparedItemInfo(const std::string& path, std::vector<std::int64_t>& item_ids, std::vector<std::string>& titles,
                          std::vector<std::string>& genres);

}  // namespace ampcf
