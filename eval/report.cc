#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

#include "eval/ranking.h"
#include "io/hdf5_util.h"
#include "core/mpi_env.h"

namespace ampcf {

namespace {

// A user's record: these fixed fields, then kPerListItem blocks of K (the top items, their
// scores, dominant personas and persona weights) and kPerCluster blocks of C (list and history
// taste). Entries past a list shorter than K stay kAbsent.
enum RecordField { kUserField, kSampledRankField, kFullRankField, kJsField, kHellingerField, kEntropyField,
                   kPersonasUsedField, kSimilarityField, kFixed };
constexpr int kPerListItem = 4;
constexpr int kPerCluster = 2;
constexpr double kAbsent = -1.0;

}  // namespace

double Gini(std::vector<std::int64_t> counts) {
  if (counts.empty()) return 0.0;
  std::sort(counts.begin(), counts.end());
  const double n = static_cast<double>(counts.size());
  double total = 0, weighted = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    total += static_cast<double>(counts[i]);
    weighted += (2.0 * (i + 1) - n - 1) * static_cast<double>(counts[i]);
  }
  return total > 0 ? weighted / (n * total) : 0.0;
}

Summary EvaluateReport(const Scorer& scorer, const Dataset& data, const TasteSpace& space,
                       const std::vector<std::int32_t>& users,
                       const std::function<const float*(std::int32_t)>& user_rows, const ReportOptions& options,
                       MPI_Comm comm) {
  const int r = scorer.personas(), d = scorer.dim(), K = std::min<int>(options.top_k, data.n_items), C = space.clusters;
  const int record = kFixed + kPerListItem * K + kPerCluster * C;
  std::vector<double> records;
  records.reserve(users.size() * record);
  std::vector<std::int64_t> recommended(data.n_items, 0);  // top-kTopK appearances per item
  enum { kHits, kNdcg, kFullHits, kFullNdcg, kJs, kHellinger, kEntropy, kUsed, kSimilarity, kNovelty, kUsers, kN };
  double sums[kN] = {};

  std::vector<float> scores, attention, ranked;
  std::vector<std::int32_t> order(data.n_items);
  std::vector<char> is_train(data.n_items, 0);
  for (std::int32_t u : users) {
    const float* rows = user_rows(u);
    scorer.Score(rows, {}, scores, &attention);
    const auto train_begin = data.train_items.begin() + data.train_offsets[u];
    const auto train_end = data.train_items.begin() + data.train_offsets[u + 1];
    for (auto it = train_begin; it != train_end; ++it) is_train[*it] = 1;
    const std::int32_t trained_validation = options.exclude_validation ? data.val_item[u] : -1;
    if (trained_validation >= 0) is_train[trained_validation] = 1;  // FullRank excludes it for the test anyway
    // The test item, in the sampled protocol and in full ranking.
    const std::span<const std::int32_t> negatives(data.test_negatives.data() + data.test_negative_offsets[u],
                                                  data.test_negatives.data() + data.test_negative_offsets[u + 1]);
    const std::int64_t sampled_rank = RankAmong(scores, data.test_item[u], negatives);
    const std::int64_t full_rank = FullRank(data, u, HeldOut::kTest, scores, is_train);
    // Top-K unseen (training items excluded).
    std::iota(order.begin(), order.end(), 0);
    auto unseen_end = std::partition(order.begin(), order.end(), [&](std::int32_t j) { return !is_train[j]; });
    const int k = static_cast<int>(std::min<std::ptrdiff_t>(K, unseen_end - order.begin()));
    std::partial_sort(order.begin(), order.begin() + k, unseen_end, [&](std::int32_t a, std::int32_t b) {
      return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
    });
    // Persona figures.
    auto dominant = [&](std::int32_t j, float* weight) {
      const float* a = &attention[static_cast<std::size_t>(j) * r];
      const int best = static_cast<int>(std::max_element(a, a + r) - a);
      if (weight != nullptr) *weight = a[best];
      return best;
    };
    double entropy = 0;
    for (int i = 0; i < k; ++i) {
      const float* a = &attention[static_cast<std::size_t>(order[i]) * r];
      for (int p = 0; p < r; ++p)
        if (a[p] > 0) entropy -= a[p] * std::log(static_cast<double>(a[p]));
    }
    entropy /= std::max(k, 1);
    std::vector<char> used(r, 0);
    for (auto it = train_begin; it != train_end; ++it) used[dominant(*it, nullptr)] = 1;
    const int personas_used = static_cast<int>(std::count(used.begin(), used.end(), 1));
    double similarity = 1.0;
    if (r > 1) {
      Eigen::Map<const RowMatrixXf> u_rows(rows, r, d);
      double total = 0;
      int pairs = 0;
      for (int a = 0; a < r; ++a)
        for (int b = a + 1; b < r; ++b, ++pairs) {
          const double norms = u_rows.row(a).norm() * u_rows.row(b).norm();
          total += norms > 0 ? u_rows.row(a).dot(u_rows.row(b)) / norms : 0.0;
        }
      similarity = total / pairs;
    }
    // TDD: the top-30 list (or top-K) against the history.
    const std::vector<double> list_taste = TasteDistribution(space, order.data(), k);
    const std::vector<double> history_taste =
        TasteDistribution(space, &*train_begin, static_cast<std::size_t>(train_end - train_begin));
    const double js = JensenShannon(list_taste, history_taste), hellinger = Hellinger(list_taste, history_taste);

    sums[kHits] += HitAt(sampled_rank);
    sums[kNdcg] += NdcgAt(sampled_rank);
    sums[kFullHits] += HitAt(full_rank);
    sums[kFullNdcg] += NdcgAt(full_rank);
    sums[kJs] += js;
    sums[kHellinger] += hellinger;
    sums[kEntropy] += entropy;
    sums[kUsed] += personas_used;
    sums[kSimilarity] += similarity;
    sums[kUsers] += 1;
    for (int i = 0; i < std::min(k, kTopK); ++i) {
      ++recommended[order[i]];
      sums[kNovelty] += -std::log2(std::max<double>(static_cast<double>(data.item_train_counts[order[i]]), 1.0) /
                                   std::max(data.n_users, 1));
    }

    // In RecordField order.
    records.insert(records.end(), {double(u), double(sampled_rank), double(full_rank), js, hellinger, entropy,
                                   double(personas_used), similarity});
    const std::size_t at = records.size();
    records.resize(at + kPerListItem * K + kPerCluster * C, kAbsent);
    for (int i = 0; i < k; ++i) {
      float weight = 0;
      records[at + i] = order[i];
      records[at + K + i] = scores[order[i]];
      records[at + 2 * K + i] = dominant(order[i], &weight);
      records[at + 3 * K + i] = weight;
    }
    std::copy(list_taste.begin(), list_taste.end(), records.begin() + at + kPerListItem * K);
    std::copy(history_taste.begin(), history_taste.end(), records.begin() + at + kPerListItem * K + C);
    for (auto it = train_begin; it != train_end; ++it) is_train[*it] = 0;
    if (trained_validation >= 0) is_train[trained_validation] = 0;
  }

  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, kN, MPI_DOUBLE, MPI_SUM, comm));
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, recommended.data(), data.n_items, MPI_INT64_T, MPI_SUM, comm));
  const double n_users = std::max(sums[kUsers], 1.0);
  Summary summary;
  summary["hr@10"] = sums[kHits] / n_users;
  summary["ndcg@10"] = sums[kNdcg] / n_users;
  summary["full_hr@10"] = sums[kFullHits] / n_users;
  summary["full_ndcg@10"] = sums[kFullNdcg] / n_users;
  summary["tdd_js"] = sums[kJs] / n_users;
  summary["tdd_hellinger"] = sums[kHellinger] / n_users;
  summary["attention_entropy"] = sums[kEntropy] / n_users;
  summary["personas_used"] = sums[kUsed] / n_users;
  summary["persona_similarity"] = sums[kSimilarity] / n_users;
  const std::int64_t listed = std::count_if(recommended.begin(), recommended.end(), [](std::int64_t c) { return c > 0; });
  summary["coverage"] = static_cast<double>(listed) / std::max(data.n_items, 1);
  summary["gini"] = Gini(recommended);
  summary["novelty"] = sums[kNovelty] / std::max(1.0, n_users * std::min(K, kTopK));
  summary["users"] = sums[kUsers];

  // Per-user rows to rank 0 of comm, which writes eval.h5.
  int rank = 0, size = 1;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  AMPCF_CHECK_MPI(MPI_Comm_size(comm, &size));
  if (options.path.empty()) return summary;
  int count = static_cast<int>(records.size());
  std::vector<int> counts(size), displacements(size, 0);
  AMPCF_CHECK_MPI(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::vector<double> all;
  if (rank == 0) {
    for (int i = 1; i < size; ++i) displacements[i] = displacements[i - 1] + counts[i - 1];
    all.resize(static_cast<std::size_t>(displacements.back()) + counts.back());
  }
  AMPCF_CHECK_MPI(MPI_Gatherv(records.data(), count, MPI_DOUBLE, all.data(), counts.data(), displacements.data(),
                              MPI_DOUBLE, 0, comm));
  if (rank != 0) return summary;

  const std::size_t n = all.size() / record;
  std::vector<const double*> by_user(n);
  for (std::size_t i = 0; i < n; ++i) by_user[i] = &all[i * record];
  std::sort(by_user.begin(), by_user.end(),
            [](const double* a, const double* b) { return a[kUserField] < b[kUserField]; });
  auto column = [&](int field) {
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = by_user[i][field];
    return out;
  };
  auto block = [&](int offset, int width) {
    std::vector<double> out(n * width);
    for (std::size_t i = 0; i < n; ++i) std::copy_n(by_user[i] + offset, width, &out[i * width]);
    return out;
  };
  auto ids = [&](const std::vector<double>& dense, const std::vector<std::int64_t>& map) {
    std::vector<std::int64_t> out(dense.size());
    for (std::size_t i = 0; i < dense.size(); ++i) out[i] = dense[i] < 0 ? -1 : map[static_cast<std::size_t>(dense[i])];
    return out;
  };
  auto as_ints = [](const std::vector<double>& values) { return std::vector<std::int64_t>(values.begin(), values.end()); };
  h5::WriteAtomically(options.path, [&](hid_t file) {
    h5::WriteAttribute(file, "format", std::string("ampcf-eval"));
    h5::WriteAttribute(file, "version", std::int64_t{1});
    h5::WriteAttribute(file, "dataset", data.name);
    h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(data.Fingerprint()));
    h5::WriteAttribute(file, "model", options.model);
    h5::WriteAttribute(file, "top_k", std::int64_t{K});
    h5::WriteAttribute(file, "clusters", std::int64_t{C});
    for (const auto& [name, value] : summary) h5::WriteAttribute(file, name.c_str(), value);
    h5::Handle group = h5::CreateGroup(file, "users");
    const hid_t g = group.get();
    const std::vector<double> user = column(kUserField);
    const std::vector<std::int64_t> user_ids = ids(user, data.user_ids);
    std::vector<std::int64_t> test_items(n);
    for (std::size_t i = 0; i < n; ++i) test_items[i] = data.item_ids[data.test_item[static_cast<std::size_t>(user[i])]];
    const std::vector<std::int64_t> sampled_rank = as_ints(column(kSampledRankField)),
                                    full_rank = as_ints(column(kFullRankField));
    std::vector<double> sampled_hit(n), sampled_ndcg(n), full_hit(n), full_ndcg(n);
    for (std::size_t i = 0; i < n; ++i) {
      sampled_hit[i] = HitAt(sampled_rank[i]);
      sampled_ndcg[i] = NdcgAt(sampled_rank[i]);
      full_hit[i] = HitAt(full_rank[i]);
      full_ndcg[i] = NdcgAt(full_rank[i]);
    }
    const hsize_t rows = n, k = static_cast<hsize_t>(K), c = static_cast<hsize_t>(C);
    h5::WriteInts(g, "ids", user_ids.data(), {rows});
    if (!data.user_names.empty()) {  // string ids: rows are in dense user order
      std::vector<std::string> names(n);
      for (std::size_t i = 0; i < n; ++i) names[i] = data.user_names[static_cast<std::size_t>(user[i])];
      h5::WriteLines(g, "names", names);
      h5::Handle items = h5::CreateGroup(file, "items");  // id -> name for test_item and top_items
      h5::WriteInts(items.get(), "ids", data.item_ids.data(), {data.item_ids.size()});
      h5::WriteLines(items.get(), "names", data.item_names);
    }
    h5::WriteInts(g, "test_item", test_items.data(), {rows});
    h5::WriteInts(g, "sampled_rank", sampled_rank.data(), {rows});
    h5::WriteInts(g, "full_rank", full_rank.data(), {rows});
    h5::WriteDoubles(g, "sampled_hit", sampled_hit.data(), {rows});
    h5::WriteDoubles(g, "sampled_ndcg", sampled_ndcg.data(), {rows});
    h5::WriteDoubles(g, "full_hit", full_hit.data(), {rows});
    h5::WriteDoubles(g, "full_ndcg", full_ndcg.data(), {rows});
    const std::vector<std::int64_t> top_items = ids(block(kFixed, K), data.item_ids);
    h5::WriteInts(g, "top_items", top_items.data(), {rows, k});
    h5::WriteDoubles(g, "top_scores", block(kFixed + K, K).data(), {rows, k});
    h5::WriteInts(g, "top_persona", as_ints(block(kFixed + 2 * K, K)).data(), {rows, k});
    h5::WriteDoubles(g, "top_persona_weight", block(kFixed + 3 * K, K).data(), {rows, k});
    h5::WriteDoubles(g, "list_taste", block(kFixed + kPerListItem * K, C).data(), {rows, c});
    h5::WriteDoubles(g, "history_taste", block(kFixed + kPerListItem * K + C, C).data(), {rows, c});
    h5::WriteDoubles(g, "tdd_js", column(kJsField).data(), {rows});
    h5::WriteDoubles(g, "tdd_hellinger", column(kHellingerField).data(), {rows});
    h5::WriteDoubles(g, "attention_entropy", column(kEntropyField).data(), {rows});
    h5::WriteInts(g, "personas_used", as_ints(column(kPersonasUsedField)).data(), {rows});
    h5::WriteDoubles(g, "persona_similarity", column(kSimilarityField).data(), {rows});
  });
  return summary;
}

}  // namespace ampcf
