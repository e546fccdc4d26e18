#include "eval/recommendation_file.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "core/file_ring.h"
#include "core/gather.h"
#include "core/mpi_env.h"
#include "io/hdf5_util.h"

namespace ampcf {

namespace {

// A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line end.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool IsHdf5Path(const std::string& path) { return path.size() > 3 && path.compare(path.size() - 3, 3, ".h5") == 0; }

// This rank's lists as the HDF5 file's rows: `top` columns each, padded.
struct Rows {
  std::vector<std::int64_t> users, items;
  std::vector<float> scores, weights;
  std::vector<std::int32_t> personas;
};

Rows RowsOf(const Dataset& data, int top, const std::vector<std::int32_t>& users,
            const std::vector<std::vector<Recommended>>& lists) {
  Rows rows;
  const std::size_t n = users.size() * static_cast<std::size_t>(top);
  rows.items.assign(n, -1);
  rows.scores.assign(n, std::numeric_limits<float>::quiet_NaN());
  rows.weights.assign(n, 0.0f);
  rows.personas.assign(n, -1);
  const bool user_names = data.HasUserNames(), item_names = !data.item_names.empty();
  for (std::size_t i = 0; i < users.size(); ++i) {
    rows.users.push_back(user_names ? users[i] : data.UserId(users[i]));
    for (std::size_t k = 0; k < lists[i].size(); ++k) {
      const Recommended& e = lists[i][k];
      const std::size_t at = i * static_cast<std::size_t>(top) + k;
      rows.items[at] = item_names ? e.item : data.item_ids[e.item];
      rows.scores[at] = e.score;
      rows.weights[at] = e.weight;
      rows.personas[at] = e.persona;
    }
  }
  return rows;
}

void WriteHdf5(const std::string& path, const std::string& model, int top, const Dataset& data,
               const std::vector<std::int32_t>& users, const std::vector<std::vector<Recommended>>& lists,
               MPI_Comm comm) {
  const Rows rows = RowsOf(data, top, users, lists);
  std::int64_t mine = static_cast<std::int64_t>(users.size()), first = 0, total = 0;
  AMPCF_CHECK_MPI(MPI_Exscan(&mine, &first, 1, MPI_INT64_T, MPI_SUM, comm));
  AMPCF_CHECK_MPI(MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) first = 0;  // MPI_Exscan leaves rank 0's result undefined
  const std::vector<std::string> user_names = GatherLines(comm, data.user_names);
  // Whether users are named: a rank without users (rank 0 among more ranks than users) cannot
  // tell alone.
  int named_users = data.HasUserNames() ? 1 : 0;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &named_users, 1, MPI_INT, MPI_LOR, comm));
  const std::string temporary = path + ".tmp";
  const auto n = static_cast<hsize_t>(total), k = static_cast<hsize_t>(top);
  FileRing(comm).WriteInTurn(
      temporary,
      [&] {
        if (rank == 0) {
          h5::Handle file = h5::CreateFile(temporary);
          h5::WriteAttribute(file.get(), "format", std::string(kRecommendationFormat));
          h5::WriteAttribute(file.get(), "model", model);
          h5::WriteAttribute(file.get(), "top", static_cast<std::int64_t>(top));
          h5::CreateChecksummedArray(file.get(), "users", H5T_NATIVE_INT64, {n});
          h5::CreateChecksummedArray(file.get(), "items", H5T_NATIVE_INT64, {n, k});
          h5::CreateChecksummedArray(file.get(), "scores", H5T_NATIVE_FLOAT, {n, k});
          h5::CreateChecksummedArray(file.get(), "persona", H5T_NATIVE_INT32, {n, k});
          h5::CreateChecksummedArray(file.get(), "weight", H5T_NATIVE_FLOAT, {n, k});
          if (named_users) h5::WriteLines(file.get(), "user_names", user_names);
          if (!data.item_names.empty()) h5::WriteLines(file.get(), "item_names", data.item_names);
        }
        if (mine == 0) return;
        h5::Handle file = h5::OpenFileReadWrite(temporary);
        const auto at = static_cast<hsize_t>(first), count = static_cast<hsize_t>(mine);
        h5::WriteRows(file.get(), "/users", H5T_NATIVE_INT64, at, count, rows.users.data(), temporary);
        h5::WriteRows(file.get(), "/items", H5T_NATIVE_INT64, at, count, rows.items.data(), temporary);
        h5::WriteRows(file.get(), "/scores", H5T_NATIVE_FLOAT, at, count, rows.scores.data(), temporary);
        h5::WriteRows(file.get(), "/persona", H5T_NATIVE_INT32, at, count, rows.personas.data(), temporary);
        h5::WriteRows(file.get(), "/weight", H5T_NATIVE_FLOAT, at, count, rows.weights.data(), temporary);
      },
      [&] { h5::CommitFile(temporary, path); });
}

void WriteCsv(const std::string& path, const Dataset& data, const std::vector<std::int32_t>& users,
              const std::vector<std::vector<Recommended>>& lists, MPI_Comm comm) {
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  const std::string temporary = path + ".tmp";
  const auto item_name = [&](std::int32_t j) {
    return data.item_names.empty() ? std::to_string(data.item_ids[j]) : CsvField(data.item_names[j]);
  };
  FileRing(comm).WriteInTurn(
      temporary,
      [&] {
        std::ofstream out(temporary, rank == 0 ? std::ios::trunc : std::ios::app);
        if (rank == 0) out << "user,rank,item,score,persona,weight\n";
        for (std::size_t i = 0; i < users.size(); ++i) {
          const std::string user = data.HasUserNames() ? CsvField(data.UserName(users[i])) : std::to_string(data.UserId(users[i]));
          for (std::size_t k = 0; k < lists[i].size(); ++k) {
            const Recommended& e = lists[i][k];
            out << fmt::format("{},{},{},{:.6g},{},{:.4f}\n", user, k + 1, item_name(e.item), e.score, e.persona,
                               e.weight);
          }
        }
        out.flush();
        if (!out) throw UserError(Cat(temporary, ": cannot write"));
      },
      [&] { h5::CommitFile(temporary, path); });
}

}  // namespace

void WriteRecommendations(const std::string& path, const std::string& model, int top, const Dataset& data,
                          const std::vector<std::int32_t>& users, const std::vector<std::vector<Recommended>>& lists,
                          MPI_Comm comm) {
  if (IsHdf5Path(path))
    WriteHdf5(path, model, top, data, users, lists, comm);
  else
    WriteCsv(path, data, users, lists, comm);
}

}  // namespace ampcf
