#include "data/user_items_file.h"

#include <algorithm>
#include <unordered_map>

#include "core/error.h"
#include "data/line_reader.h"
#include "data/readers.h"

namespace ampcf {

namespace {

// The fields of `line` split at blanks, tabs and commas, empty ones dropped.
void Fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t begin = line.find_first_not_of(" \t,", at);
    if (begin == std::string_view::npos) break;
    const std::size_t end = std::min(line.find_first_of(" \t,", begin), line.size());
    fields.push_back(line.substr(begin, end - begin));
    at = end;
  }
}

}  // namespace

UserItems ReadUserItems(const std::string& option, const std::string& path, const IdLookup& items) {
  LineReader reader(path);
  UserItems file;
  std::unordered_map<std::string, std::size_t> index;
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.Next(line)) {
    Fields(line, fields);
    if (fields.empty() || fields[0].front() == '#') continue;
    if (fields.size() < 2)
      throw UserError(Cat(option, " ", reader.Where(), "expected 'user item' (blank-, tab- or comma-separated), found '",
                          line, "'"));
    const auto [found, added] = index.try_emplace(std::string(fields[0]), file.users.size());
    if (added) {
      file.users.emplace_back(fields[0]);
      file.first_line.push_back(reader.line_number());
      file.items.emplace_back();
    }
    const std::int32_t item = items.Item(fields[1]);
    if (item < 0)
      file.skipped.push_back({reader.line_number(), std::string(fields[0]), std::string(fields[1])});
    else
      file.items[found->second].push_back(item);
  }
  // Sort and deduplicate each user's items, then drop the users left with none.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < file.users.size(); ++i) {
    std::vector<std::int32_t>& mine = file.items[i];
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    if (mine.empty()) {
      file.dropped_users.push_back(file.users[i]);
      continue;
    }
    if (kept != i) {  // (a string moved onto itself is left empty)
      file.users[kept] = std::move(file.users[i]);
      file.first_line[kept] = file.first_line[i];
      file.items[kept] = std::move(mine);
    }
    ++kept;
  }
  file.users.resize(kept);
  file.first_line.resize(kept);
  file.items.resize(kept);
  if (file.users.empty())
    throw UserError(Cat(option, " ", path, ": no user with an item the model's dataset has",
                        file.skipped.empty() ? "" : Cat(" (", file.skipped.size(), " lines name unknown items)")));
  return file;
}

Dataset UsersOfFile(const Dataset& data, const UserItems& file, UserRange range) {
  const auto n = static_cast<std::int32_t>(file.users.size());
  AMPCF_ASSERT(range.begin >= 0 && range.begin <= range.end && range.end <= n);
  Dataset users = ItemSideOf(data);
  users.holdout = "none (users of a file)";
  users.n_users = n;
  users.test_candidates_stored = false;
  users.held = range;
  std::vector<std::int64_t> ids(file.users.size());
  bool integers = true;
  for (std::size_t i = 0; i < file.users.size() && integers; ++i) integers = IsCanonicalInt(file.users[i], ids[i]);
  for (std::int32_t u = range.begin; u < range.end; ++u) {
    const auto i = static_cast<std::size_t>(u);
    users.user_ids.push_back(integers ? ids[i] : u);
    if (!integers) users.user_names.push_back(file.users[i]);
    users.train_items.insert(users.train_items.end(), file.items[i].begin(), file.items[i].end());
    users.train_offsets.push_back(static_cast<std::int64_t>(users.train_items.size()));
    users.val_item.push_back(-1);
    users.test_item.push_back(-1);
  }
  users.n_train = static_cast<std::int64_t>(users.train_items.size());  // this share's
  users.total_interactions = users.n_train;
  return users;
}

}  // namespace ampcf
