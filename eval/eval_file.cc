#include "eval/eval_file.h"

#include <algorithm>
#include <functional>

#include "core/file_ring.h"
#include "core/mpi_env.h"
#include "eval/ranking.h"
#include "io/hdf5_util.h"

namespace ampcf {

namespace {

// eval.h5's identity (root attributes format and version).
constexpr const char* kEvalFormat = "ampcf-eval";
constexpr std::int64_t kEvalVersion = 1;

// One rank's records, one row per user in dense user order, read column by column.
struct RecordTable {
  std::size_t n = 0;
  std::vector<const double*> by_user;

  RecordTable(const std::vector<double>& records, int record) : n(records.size() / record), by_user(n) {
    for (std::size_t i = 0; i < n; ++i) by_user[i] = &records[i * record];
    std::sort(by_user.begin(), by_user.end(),
              [](const double* a, const double* b) { return a[kUserField] < b[kUserField]; });
  }
  std::vector<double> block(int offset, int width) const {
    std::vector<double> out(n * width);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(by_user[i] + offset, width, &out[i * width]);
    return out;
  }
  std::vector<double> column(int field) const { return block(field, 1); }
};

// One array of eval.h5's /users group: [users] for width 1, else [users, width]; its values for
// a rank's records, row-major, as doubles (integer arrays are stored as int64).
struct UserColumn {
  const char* name;
  bool integer;
  int width;
  std::function<std::vector<double>(const RecordTable&)> values;
  int inner = 0;  // > 0: stored as [users, width / inner, inner]
};

std::vector<double> Map(std::vector<double> values, double (*f)(std::int64_t)) {
  for (double& v : values) v = f(static_cast<std::int64_t>(v));
  return values;
}
double Hit(std::int64_t rank) { return HitAt(rank); }
double Ndcg(std::int64_t rank) { return NdcgAt(rank); }

// Dense item ids to original ids; kAbsent stays -1.
std::vector<double> OriginalItemIds(std::vector<double> items, const Dataset& data) {
  for (double& j : items) j = j < 0 ? -1.0 : static_cast<double>(data.item_ids[static_cast<std::size_t>(j)]);
  return items;
}

std::vector<UserColumn> UserColumns(const RecordLayout& layout, const Dataset& data) {
  const int K = layout.K, C = layout.C;
  auto field = [](int f) { return [f](const RecordTable& t) { return t.column(f); }; };
  auto list = [&layout, K](ListBlock b) { return [o = layout.list(b), K](const RecordTable& t) { return t.block(o, K); }; };
  auto clusters = [&layout, C](ClusterBlock b) {
    return [o = layout.clusters(b), C](const RecordTable& t) { return t.block(o, C); };
  };
  std::vector<UserColumn> columns = {
      {"ids", true, 1, field(kUserIdField)},
      {"test_item", true, 1, field(kTestItemIdField)},
      {"sampled_rank", true, 1, field(kSampledRankField)},
      {"full_rank", true, 1, field(kFullRankField)},
      {"sampled_hit", false, 1, [](const RecordTable& t) { return Map(t.column(kSampledRankField), Hit); }},
      {"sampled_ndcg", false, 1, [](const RecordTable& t) { return Map(t.column(kSampledRankField), Ndcg); }},
      {"full_hit", false, 1, [](const RecordTable& t) { return Map(t.column(kFullRankField), Hit); }},
      {"full_ndcg", false, 1, [](const RecordTable& t) { return Map(t.column(kFullRankField), Ndcg); }},
      {"top_items", true, K,
       [&data, o = layout.list(kTopItemsBlock), K](const RecordTable& t) { return OriginalItemIds(t.block(o, K), data); }},
      {"top_scores", false, K, list(kTopScoresBlock)},
      {"top_persona", true, K, list(kTopPersonaBlock)},
      {"top_persona_weight", false, K, list(kTopWeightBlock)},
      {"list_taste", false, C, clusters(kListTasteBlock)},
      {"history_taste", false, C, clusters(kHistoryTasteBlock)},
      {"tdd_js", false, 1, field(kJsField)},
      {"tdd_hellinger", false, 1, field(kHellingerField)},
      {"tdd_hist_js", false, 1, field(kHistJsField)},
      {"tdd_hist_hellinger", false, 1, field(kHistHellingerField)},
      {"attention_entropy", false, 1, field(kEntropyField)},
      {"personas_used", true, 1, field(kPersonasUsedField)},
      {"persona_similarity", false, 1, field(kSimilarityField)},
      {"test_persona", true, 1, field(kTestPersonaField)},
      {"test_persona_weight", false, 1, field(kTestWeightField)},
  };
  if (layout.P > 0) {
    columns.push_back({"persona_overlap", false, 1, field(kOverlapField)});
    const int lists = layout.P / 2;  // r x kTopK each
    columns.push_back({"persona_top_items", true, lists,
                       [&data, o = layout.persona_lists(), lists](const RecordTable& t) {
                         return OriginalItemIds(t.block(o, lists), data);
                       },
                       kTopK});
    columns.push_back({"persona_explained_items", true, lists,
                       [&data, o = layout.persona_lists() + lists, lists](const RecordTable& t) {
                         return OriginalItemIds(t.block(o, lists), data);
                       },
                       kTopK});
  }
  return columns;
}

// Rank 0: eval.h5 at `temporary` with its attributes, string ids and every /users array sized
// for `total` users, unfilled.
void CreateEvalFile(const std::string& temporary, const std::string& model, const RecordLayout& layout,
                    const Summary& summary, const Dataset& data, const std::vector<std::string>& user_names,
                    std::int64_t total) {
  h5::Handle handle = h5::CreateFile(temporary);
  const hid_t file = handle.get();
  h5::WriteAttribute(file, "format", std::string(kEvalFormat));
  h5::WriteAttribute(file, "version", kEvalVersion);
  h5::WriteAttribute(file, "dataset", data.name);
  h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(data.Fingerprint()));
  h5::WriteAttribute(file, "model", model);
  h5::WriteAttribute(file, "top_k", std::int64_t{layout.K});
  h5::WriteAttribute(file, "clusters", std::int64_t{layout.C});
  for (const auto& [name, value] : summary) h5::WriteAttribute(file, name.c_str(), value);
  h5::Handle users = h5::CreateGroup(file, "users");
  if (!user_names.empty()) {  // string ids: rows are in dense user order
    h5::WriteLines(users.get(), "names", user_names);
    h5::Handle items = h5::CreateGroup(file, "items");  // id -> name for test_item and top_items
    h5::WriteInts(items.get(), "ids", data.item_ids.data(), {data.item_ids.size()});
    h5::WriteLines(items.get(), "names", data.item_names);
  }
  for (const UserColumn& column : UserColumns(layout, data)) {
    std::vector<hsize_t> dims = {static_cast<hsize_t>(total)};
    if (column.inner > 0)
      dims.insert(dims.end(), {static_cast<hsize_t>(column.width / column.inner), static_cast<hsize_t>(column.inner)});
    else if (column.width != 1)
      dims.push_back(static_cast<hsize_t>(column.width));
    h5::CreateChecksummedArray(users.get(), column.name, column.integer ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, dims);
  }
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
}

// This rank's rows of every /users array, from row `first`.
void WriteEvalRows(const std::string& temporary, const RecordTable& table, const RecordLayout& layout,
                   const Dataset& data, std::int64_t first) {
  h5::Handle file = h5::OpenFileReadWrite(temporary);
  for (const UserColumn& column : UserColumns(layout, data)) {
    const std::vector<double> values = column.values(table);
    const std::string path = Cat("/users/", column.name);
    const auto at = static_cast<hsize_t>(first), n = static_cast<hsize_t>(table.n);
    if (column.integer) {
      const std::vector<std::int64_t> ints(values.begin(), values.end());
      h5::WriteRows(file.get(), path.c_str(), H5T_NATIVE_INT64, at, n, ints.data(), temporary);
    } else {
      h5::WriteRows(file.get(), path.c_str(), H5T_NATIVE_DOUBLE, at, n, values.data(), temporary);
    }
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
}

}  // namespace

void WriteEvalFile(const std::string& path, const std::string& model, const std::vector<double>& records,
                   const RecordLayout& layout, const Summary& summary, const Dataset& data,
                   const std::vector<std::string>& user_names, MPI_Comm comm) {
  const RecordTable table(records, layout.size());
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  std::int64_t mine = static_cast<std::int64_t>(table.n), first = 0, total = 0;
  AMPCF_CHECK_MPI(MPI_Exscan(&mine, &first, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) first = 0;  // MPI_Exscan leaves rank 0's undefined
  AMPCF_CHECK_MPI(MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  MPI_Comm ring_comm = MPI_COMM_NULL;  // the token's own channel
  AMPCF_CHECK_MPI(MPI_Comm_dup(comm, &ring_comm));
  const std::string temporary = path + ".tmp";
  FileRing(ring_comm).WriteInTurn(
      temporary,
      [&] {
        if (rank == 0) CreateEvalFile(temporary, model, layout, summary, data, user_names, total);
        WriteEvalRows(temporary, table, layout, data, first);
      },
      [&] { h5::CommitFile(temporary, path); });
  AMPCF_CHECK_MPI(MPI_Comm_free(&ring_comm));
}

}  // namespace ampcf
