// Users' items as a user of the tool has them (`--new-users`): 'user item' lines in the dataset's
// own ids, fields split at blanks, tabs or commas (further fields, a rating or a timestamp, are
// ignored), blank lines and lines starting with '#' skipped. It serves fold-in of users the
// model never saw (worker/fold_in.h).
//
// An item the dataset lacks (a new item, a typo) cannot be folded in: its line is skipped, and
// kept in UserItems::skipped for the caller to report, so that one unknown item does not stop
// the rest of a user's history from being used. A user left with no known item is dropped (and
// listed). A line with fewer than two fields stops the read, naming its line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/id_lookup.h"

namespace ampcf {

struct UserItems {
  std::vector<std::string> users;                // ids as written, in order of first appearance
  std::vector<long> first_line;                  // each user's first line
  std::vector<std::vector<std::int32_t>> items;  // each user's dense item ids, ascending, unique
  struct Skipped {
    long line;
    std::string user, item;
  };
  std::vector<Skipped> skipped;            // lines naming an item the dataset lacks
  std::vector<std::string> dropped_users;  // users none of whose items the dataset has
};

// Reads `path` (plain or gzip) against the items of `items`. Throws UserError naming `option`,
// the file and the line on a malformed line, and when no user is left.
UserItems ReadUserItems(const std::string& option, const std::string& path, const IdLookup& items);

// A dataset of the users [range) of `file` (each user's items its training items; no held-out
// items), with the item side and description of `data` so that anything that reads a dataset
// (a sampler, a scorer, the recommendation writer) reads it as the model's. Users' ids are the
// file's: integers where every id of the file is one (as written, "007" stays a name), names
// otherwise. Dense ids are positions in the file's order. The users have no validation or test
// items (ValItem and TestItem are -1), and n_train counts the training pairs of `range` only:
// such a dataset serves fold-in and scoring, not evaluation.
Dataset UsersOfFile(const Dataset& data, const UserItems& file, UserRange range);

}  // namespace ampcf
