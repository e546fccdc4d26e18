#include "cli/user_list.h"

#include <mpi.h>

#include "cli/collective.h"
#include "data/id_lookup.h"
#include "data/line_reader.h"

namespace ampcf {

namespace {

struct UserList {
  std::vector<std::string> ids;
  std::vector<long> lines;  // each id's line number
};

UserList ReadUserList(const std::string& option, const std::string& path) {
  LineReader reader(path);
  UserList list;
  std::string_view line;
  while (reader.Next(line)) {
    const auto begin = line.find_first_not_of(" \t"), end = line.find_last_not_of(" \t");
    if (begin == std::string_view::npos) continue;
    list.ids.emplace_back(line.substr(begin, end - begin + 1));
    list.lines.push_back(reader.line_number());
  }
  if (list.ids.empty()) throw UserError(Cat(option, " ", path, ": no user ids"));
  return list;
}

}  // namespace

bool ListedUsers(const std::string& option, const std::string& path, const Dataset& data,
                 std::vector<std::int32_t>& users) {
  UserList list;
  if (!CollectiveSetup([&] { list = ReadUserList(option, path); })) return false;
  const IdLookup lookup(data);
  std::vector<std::uint8_t> found(list.ids.size(), 0);
  std::vector<char> chosen(static_cast<std::size_t>(data.held.size()), 0);  // a user listed twice counts once
  for (std::size_t i = 0; i < list.ids.size(); ++i) {
    const std::int32_t u = lookup.User(list.ids[i]);
    if (u < 0) continue;
    found[i] = 1;
    chosen[static_cast<std::size_t>(u - data.held.begin)] = 1;
  }
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, found.data(), static_cast<int>(found.size()), MPI_UINT8_T, MPI_MAX,
                                MPI_COMM_WORLD));
  users.clear();
  for (std::int32_t u : HeldUsers(data))
    if (chosen[static_cast<std::size_t>(u - data.held.begin)]) users.push_back(u);
  return CollectiveSetup([&] {
    for (std::size_t i = 0; i < found.size(); ++i)
      if (!found[i])
        throw UserError(Cat(option, " ", path, ":", list.lines[i], ": user '", list.ids[i], "' is not in ", data.name,
                            " (after preparation)"));
  });
}

bool SelectUsers(const std::string& option, const std::string& spec, const Dataset& data,
                 std::vector<std::int32_t>& users) {
  if (spec != "all") return ListedUsers(option, spec, data, users);
  users = HeldUsers(data);
  return true;
}

}  // namespace ampcf
