// Files that list users (`recommend --users`, `eval --users`, `train --exclude-users`): the
// dataset's user ids (or names), one per line, blank lines skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace ampcf {

// The users of the file at `path` that this rank holds (dense ids, ascending, each once).
// Collective: an id that no rank holds, or a file without ids, is a user error naming `option`
// and the line, reported by rank 0; false then on every rank.
bool ListedUsers(const std::string& option, const std::string& path, const Dataset& data,
                 std::vector<std::int32_t>& users);

// "all": every user this rank holds; otherwise ListedUsers.
bool SelectUsers(const std::string& option, const std::string& spec, const Dataset& data,
                 std::vector<std::int32_t>& users);

}  // namespace ampcf
