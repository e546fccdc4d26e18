#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <functional>
#include <span>

#include "eval/persona_views.h"
#include "eval/ranking.h"
#include "eval/score_blocks.h"
#include "io/hdf5_util.h"
#include "core/file_ring.h"
#include "core/gather.h"
#include "core/mpi_env.h"

namespace ampcf {

namespace {

// A user's record: these fixed fields (the user's dense id, its original id and its test item's,
// ...), then kPerListItem blocks of K (the top items, their scores, dominant personas and persona
// weights), kPerCluster blocks of C (list and history taste) and, with persona diagnostics, the
// personas' lists (P = 2 r kTopK items: PersonaLists). Entries past a shorter list stay kAbsent.
enum RecordField { kUserField, kUserIdField, kTestItemIdField, kSampledRankField, kFullRankField, kJsField, kHellingerField, kEntropyField,
                   kPersonasUsedField, kSimilarityField, kTestPersonaField, kTestWeightField, kOverlapField, kHistJsField, kHistHellingerField, kFixed };
enum ListBlock { kTopItemsBlock, kTopScoresBlock, kTopPersonaBlock, kTopWeightBlock, kPerListItem };
enum ClusterBlock { kListTasteBlock, kHistoryTasteBlock, kPerCluster };
constexpr double kAbsent = -1.0;

// eval.h5's identity (root attributes format and version).
constexpr const char* kEvalFormat = "ampcf-eval";
constexpr std::int64_t kEvalVersion = 1;

// The shape of every record: K list entries, C clusters, P entries of the personas' lists.
struct RecordLayout {
  int K = 0, C = 0, P = 0;
  int size() const { return kFixed + kPerListItem * K + kPerCluster * C + P; }
  int list(ListBlock b) const { return kFixed + b * K; }
  int clusters(ClusterBlock b) const { return kFixed + kPerListItem * K + b * C; }
  int persona_lists() const { return kFixed + kPerListItem * K + kPerCluster * C; }
};

// Buffers reused from user to user.
struct UserScratch {
  std::span<const float> scores;    // the user's score of every item (a row of a scored block)
  std::vector<std::int32_t> order;  // item ids; the first UserFigures::k are the top-K list
  // The items whose attention the figures read: the top-K list, then the training items; and
  // per such item its r attention weights (and a score, unused).
  std::vector<std::int32_t> attended;
  std::vector<float> attention, attended_scores;
  std::vector<char> is_train;       // the items left out of the top-K list, set per user
  std::vector<std::int32_t> negatives;
  // Persona diagnostics of a block: its users' rows as one persona's view, that view's scores,
  // and the personas' lists of every user of the block (PersonaLists).
  std::vector<float> view_rows, view_scores;
  std::vector<std::int32_t> persona_lists;
};

// One user's figures; the top-K list itself stays in UserScratch::order.
struct UserFigures {
  std::int64_t sampled_rank = 0, full_rank = 0;
  int k = 0;  // length of the top-K list (shorter when fewer items are unseen)
  double entropy = 0;
  int personas_used = 0;
  double similarity = 1.0;
  int test_persona = 0;      // the persona with the highest attention for the test item
  float test_weight = 1.0f;  // and that attention
  double overlap = 1.0;      // mean Jaccard of the personas' own top lists (with persona diagnostics)
  std::vector<double> list_taste, history_taste;
  double js = 0, hellinger = 0;
  double hist_js = 0, hist_hellinger = 0;  // the histogram variant (eval/taste_space.h)
};

// Sums over users, reduced over ranks into the summary.
struct SummarySums {
  // kUsers: users of the sampled protocol (hr@10, ndcg@10); kFullUsers: users of every other figure.
  enum { kHits, kNdcg, kFullHits, kFullNdcg, kJs, kHellinger, kHistJs, kHistHellinger, kEntropy, kUsed, kSimilarity, kOverlap, kNovelty,
         kUsers, kFullUsers, kN };
  double sums[kN] = {};
  std::vector<std::int64_t> recommended;  // top-kTopK appearances per item
};

void MarkSeen(std::vector<char>& is_train, std::span<const std::int32_t> train, std::int32_t trained_validation,
              char value) {
  for (std::int32_t j : train) is_train[j] = value;
  if (trained_validation >= 0) is_train[trained_validation] = value;
}

// Sorts the top-K unseen items (training items excluded) to the front of order; returns how many.
int TopUnseen(std::span<const float> scores, const std::vector<char>& is_train, int K,
              std::vector<std::int32_t>& order) {
  std::iota(order.begin(), order.end(), 0);
  auto unseen_end = std::partition(order.begin(), order.end(), [&](std::int32_t j) { return !is_train[j]; });
  const int k = static_cast<int>(std::min<std::ptrdiff_t>(K, unseen_end - order.begin()));
  std::partial_sort(order.begin(), order.begin() + k, unseen_end, [&](std::int32_t a, std::int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  return k;
}

// The persona with the highest attention for the i-th attended item (the first on ties), and that attention.
int DominantPersona(const std::vector<float>& attention, int r, std::size_t i, float* weight) {
  const float* a = &attention[i * r];
  const int best = static_cast<int>(std::max_element(a, a + r) - a);
  if (weight != nullptr) *weight = a[best];
  return best;
}

// Mean attention entropy (nats) over the first k attended items (the top-K list).
double AttentionEntropy(const std::vector<float>& attention, int r, int k) {
  double entropy = 0;
  for (int i = 0; i < k; ++i) {
    const float* a = &attention[static_cast<std::size_t>(i) * r];
    for (int p = 0; p < r; ++p)
      if (a[p] > 0) entropy -= a[p] * std::log(static_cast<double>(a[p]));
  }
  return entropy / std::max(k, 1);
}

// Personas dominant for at least one training item (attended items first .. first + n_train).
int PersonasUsed(const std::vector<float>& attention, int r, std::size_t first, std::size_t n_train) {
  std::vector<char> used(r, 0);
  for (std::size_t i = first; i < first + n_train; ++i) used[DominantPersona(attention, r, i, nullptr)] = 1;
  return static_cast<int>(std::count(used.begin(), used.end(), 1));
}

// Mean cosine between the user's r persona vectors (rows, r x d); 1 for a single persona.
double PersonaSimilarity(const float* rows, int r, int d) {
  if (r <= 1) return 1.0;
  Eigen::Map<const RowMatrixXf> u_rows(rows, r, d);
  double total = 0;
  int pairs = 0;
  for (int a = 0; a < r; ++a)
    for (int b = a + 1; b < r; ++b, ++pairs) {
      const double norms = u_rows.row(a).norm() * u_rows.row(b).norm();
      total += norms > 0 ? u_rows.row(a).dot(u_rows.row(b)) / norms : 0.0;
    }
  return total / pairs;
}

// The sampled-protocol rank of user u from its candidates' scores alone (users outside the
// sample; re-ranking scorers, whose list is the candidates').
std::int64_t SampledRank(const Scorer& scorer, const Dataset& data, std::int32_t u, const float* rows,
                         UserScratch& scratch) {
  data.Candidates(HeldOut::kTest, u, scratch.negatives);
  scratch.attended.assign(1, data.TestItem(u));
  scratch.attended.insert(scratch.attended.end(), scratch.negatives.begin(), scratch.negatives.end());
  scorer.Score(rows, scratch.attended, scratch.attended_scores);
  return RankAgainst(scratch.attended_scores[0], scratch.attended_scores.data() + 1, scratch.attended_scores.size() - 1);
}

// User u's figures from its scores of every item (scratch.scores), leaving the top-K list at the
// front of scratch.order and its attention weights at the front of scratch.attention.
UserFigures EvaluateUser(const Scorer& scorer, const Dataset& data, const TasteSpace& space, std::int32_t u,
                         const float* rows, int K, const ReportOptions& options, UserScratch& scratch) {
  const int r = scorer.personas();
  UserFigures f;
  const std::span<const std::int32_t> train = data.TrainItems(u);
  // FullRank excludes the validation item for the test anyway; this keeps it off the top-K list.
  const std::int32_t trained_validation = options.exclude_validation ? data.ValItem(u) : -1;
  MarkSeen(scratch.is_train, train, trained_validation, 1);
  // The test item, in the sampled protocol and in full ranking.
  if (options.sampled_from_candidates) {
    f.sampled_rank = SampledRank(scorer, data, u, rows, scratch);
  } else {
    data.Candidates(HeldOut::kTest, u, scratch.negatives);
    f.sampled_rank = RankAmong(scratch.scores, data.TestItem(u), scratch.negatives);
  }
  f.full_rank = FullRank(data, u, HeldOut::kTest, scratch.scores, scratch.is_train);
  f.k = TopUnseen(scratch.scores, scratch.is_train, K, scratch.order);
  // Attention is read for the list and the training items only: scored for those alone.
  scratch.attended.assign(scratch.order.begin(), scratch.order.begin() + f.k);
  scratch.attended.insert(scratch.attended.end(), train.begin(), train.end());
  scratch.attended.push_back(data.TestItem(u));  // last: the test item's explaining persona
  scorer.Score(rows, scratch.attended, scratch.attended_scores, &scratch.attention);
  f.entropy = AttentionEntropy(scratch.attention, r, f.k);
  f.personas_used = PersonasUsed(scratch.attention, r, f.k, train.size());
  f.test_persona = DominantPersona(scratch.attention, r, scratch.attended.size() - 1, &f.test_weight);
  f.similarity = PersonaSimilarity(rows, r, scorer.dim());
  // TDD: the top-30 list (or top-K) against the history.
  f.list_taste = TasteDistribution(space, scratch.order.data(), f.k);
  f.history_taste = TasteDistribution(space, train.data(), train.size());
  f.js = JensenShannon(f.list_taste, f.history_taste);
  f.hellinger = Hellinger(f.list_taste, f.history_taste);
  const std::vector<double> list_histogram = ClusterHistogram(space, scratch.order.data(), f.k),
                            history_histogram = ClusterHistogram(space, train.data(), train.size());
  f.hist_js = JensenShannon(list_histogram, history_histogram);
  f.hist_hellinger = Hellinger(list_histogram, history_histogram);
  MarkSeen(scratch.is_train, train, trained_validation, 0);
  return f;
}

// The recommendations from which each persona's explained list is drawn (PersonaLists): the
// user's top kExplainedPool unseen items by the model's score.
constexpr int kExplainedPool = 200;

// Per user, two sets of r lists of kTopK items (scratch.persona_lists; user i from i P, P =
// 2 r kTopK; -1 past a short list):
//   own (list k from k kTopK): persona k's own top unseen items, persona k alone scoring
//       (eval/persona_views.h): how far the personas' tastes differ;
//   explained (list k from (r + k) kTopK): the best-scored of the user's top kExplainedPool
//       unseen items whose highest attention is persona k's: the recommendations each persona
//       explains, and so the tastes the attention hands to it.
// `scores`: the block's scores of every item (ForEachScoredBlock).
void PersonaLists(const Scorer& scorer, const Dataset& data, std::span<const std::int32_t> block, const float* scores,
                  const std::function<const float*(std::int32_t)>& user_rows, bool exclude_validation,
                  UserScratch& scratch) {
  const int r = scorer.personas(), d = scorer.dim(), P = 2 * r * kTopK;
  const std::size_t row = static_cast<std::size_t>(r) * d, n = data.n_items;
  scratch.persona_lists.assign(block.size() * P, -1);
  scratch.view_rows.resize(block.size() * row);
  // Marks user i's seen items, fills scratch.order's front with the top `count` unseen by
  // `user_scores`, unmarks; returns how many.
  auto top_unseen = [&](std::size_t i, const float* user_scores, int count) {
    const std::span<const std::int32_t> train = data.TrainItems(block[i]);
    const std::int32_t trained_validation = exclude_validation ? data.ValItem(block[i]) : -1;
    MarkSeen(scratch.is_train, train, trained_validation, 1);
    const int length = TopUnseen({user_scores, n}, scratch.is_train, count, scratch.order);
    MarkSeen(scratch.is_train, train, trained_validation, 0);
    return length;
  };
  for (int k = 0; k < r; ++k) {
    for (std::size_t i = 0; i < block.size(); ++i) PersonaAlone(user_rows(block[i]), r, d, k, &scratch.view_rows[i * row]);
    scorer.ScoreBlock(scratch.view_rows.data(), static_cast<int>(block.size()), scratch.view_scores);
    for (std::size_t i = 0; i < block.size(); ++i) {
      const int length = top_unseen(i, &scratch.view_scores[i * n], kTopK);
      std::copy_n(scratch.order.begin(), length, &scratch.persona_lists[i * P + k * kTopK]);
    }
  }
  std::vector<int> filled(r);
  for (std::size_t i = 0; i < block.size(); ++i) {
    const int length = top_unseen(i, scores + i * n, kExplainedPool);
    scratch.attended.assign(scratch.order.begin(), scratch.order.begin() + length);
    scorer.Score(user_rows(block[i]), scratch.attended, scratch.attended_scores, &scratch.attention);
    std::fill(filled.begin(), filled.end(), 0);
    for (int at = 0; at < length; ++at) {  // in score order
      const int k = DominantPersona(scratch.attention, r, at, nullptr);
      if (filled[k] < kTopK) scratch.persona_lists[i * P + (r + k) * kTopK + filled[k]++] = scratch.attended[at];
    }
  }
}

// The mean Jaccard of user i's own persona lists (PersonaLists) of the block.
double PersonaOverlap(const UserScratch& scratch, std::size_t i, int r) {
  std::vector<std::span<const std::int32_t>> lists;
  for (int k = 0; k < r; ++k) {
    const std::int32_t* first = &scratch.persona_lists[i * 2 * r * kTopK + k * kTopK];
    lists.emplace_back(first, std::find(first, first + kTopK, -1));
  }
  return MeanPairwiseJaccard(lists);
}

void AddSampled(std::int64_t sampled_rank, SummarySums& s) {
  s.sums[SummarySums::kHits] += HitAt(sampled_rank);
  s.sums[SummarySums::kNdcg] += NdcgAt(sampled_rank);
  s.sums[SummarySums::kUsers] += 1;
}

void AddUser(const UserFigures& f, const std::vector<std::int32_t>& order, const Dataset& data, SummarySums& s) {
  double* sums = s.sums;
  AddSampled(f.sampled_rank, s);
  sums[SummarySums::kFullHits] += HitAt(f.full_rank);
  sums[SummarySums::kFullNdcg] += NdcgAt(f.full_rank);
  sums[SummarySums::kJs] += f.js;
  sums[SummarySums::kHellinger] += f.hellinger;
  sums[SummarySums::kHistJs] += f.hist_js;
  sums[SummarySums::kHistHellinger] += f.hist_hellinger;
  sums[SummarySums::kEntropy] += f.entropy;
  sums[SummarySums::kUsed] += f.personas_used;
  sums[SummarySums::kSimilarity] += f.similarity;
  sums[SummarySums::kOverlap] += f.overlap;
  sums[SummarySums::kFullUsers] += 1;
  for (int i = 0; i < std::min(f.k, kTopK); ++i) {
    ++s.recommended[order[i]];
    sums[SummarySums::kNovelty] +=
        -std::log2(std::max<double>(static_cast<double>(data.item_train_counts[order[i]]), 1.0) /
                   std::max(data.n_users, 1));
  }
}

void AppendRecord(const Dataset& data, std::int32_t u, const UserFigures& f, const UserScratch& scratch, int r,
                  std::span<const std::int32_t> persona_lists, const RecordLayout& layout, std::vector<double>& records) {
  // In RecordField order; original ids are exact in a double below 2^53.
  records.insert(records.end(), {double(u), double(data.UserId(u)), double(data.item_ids[data.TestItem(u)]),
                                 double(f.sampled_rank), double(f.full_rank), f.js, f.hellinger,
                                 f.entropy, double(f.personas_used), f.similarity, double(f.test_persona),
                                 double(f.test_weight), f.overlap, f.hist_js, f.hist_hellinger});
  const std::size_t at = records.size() - kFixed;
  records.resize(at + layout.size(), kAbsent);
  for (int i = 0; i < f.k; ++i) {
    const std::int32_t j = scratch.order[i];
    float weight = 0;
    records[at + layout.list(kTopItemsBlock) + i] = j;
    records[at + layout.list(kTopScoresBlock) + i] = scratch.scores[j];
    records[at + layout.list(kTopPersonaBlock) + i] = DominantPersona(scratch.attention, r, i, &weight);
    records[at + layout.list(kTopWeightBlock) + i] = weight;
  }
  std::copy(f.list_taste.begin(), f.list_taste.end(), records.begin() + at + layout.clusters(kListTasteBlock));
  std::copy(f.history_taste.begin(), f.history_taste.end(), records.begin() + at + layout.clusters(kHistoryTasteBlock));
  std::copy(persona_lists.begin(), persona_lists.end(), records.begin() + at + layout.persona_lists());
}

// Collective: sums the figures over the ranks of comm into the summary.
Summary ReduceSummary(SummarySums& s, const Dataset& data, int K, MPI_Comm comm) {
  double* sums = s.sums;
  std::vector<std::int64_t>& recommended = s.recommended;
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, sums, SummarySums::kN, MPI_DOUBLE, MPI_SUM, comm));
  AMPCF_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, recommended.data(), data.n_items, MPI_INT64_T, MPI_SUM, comm));
  const double sampled_users = std::max(sums[SummarySums::kUsers], 1.0);
  const double n_users = std::max(sums[SummarySums::kFullUsers], 1.0);
  Summary summary;
  summary["hr@10"] = sums[SummarySums::kHits] / sampled_users;
  summary["ndcg@10"] = sums[SummarySums::kNdcg] / sampled_users;
  summary["full_hr@10"] = sums[SummarySums::kFullHits] / n_users;
  summary["full_ndcg@10"] = sums[SummarySums::kFullNdcg] / n_users;
  summary["tdd_js"] = sums[SummarySums::kJs] / n_users;
  summary["tdd_hellinger"] = sums[SummarySums::kHellinger] / n_users;
  summary["tdd_hist_js"] = sums[SummarySums::kHistJs] / n_users;
  summary["tdd_hist_hellinger"] = sums[SummarySums::kHistHellinger] / n_users;
  summary["attention_entropy"] = sums[SummarySums::kEntropy] / n_users;
  summary["personas_used"] = sums[SummarySums::kUsed] / n_users;
  summary["persona_similarity"] = sums[SummarySums::kSimilarity] / n_users;
  summary["persona_overlap"] = sums[SummarySums::kOverlap] / n_users;
  const std::int64_t listed = std::count_if(recommended.begin(), recommended.end(), [](std::int64_t c) { return c > 0; });
  summary["coverage"] = static_cast<double>(listed) / std::max(data.n_items, 1);
  summary["gini"] = Gini(recommended);
  summary["novelty"] = sums[SummarySums::kNovelty] / std::max(1.0, n_users * std::min(K, kTopK));
  summary["users"] = sums[SummarySums::kUsers];
  summary["full_users"] = sums[SummarySums::kFullUsers];
  return summary;
}

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
void CreateEvalFile(const std::string& temporary, const RecordLayout& layout, const Summary& summary,
                    const Dataset& data, const std::vector<std::string>& user_names, const ReportOptions& options,
                    std::int64_t total) {
  h5::Handle handle = h5::CreateFile(temporary);
  const hid_t file = handle.get();
  h5::WriteAttribute(file, "format", std::string(kEvalFormat));
  h5::WriteAttribute(file, "version", kEvalVersion);
  h5::WriteAttribute(file, "dataset", data.name);
  h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(data.Fingerprint()));
  h5::WriteAttribute(file, "model", options.model);
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

// Collective: eval.h5, rank 0 creating it and every rank writing its own users' rows in turn
// (ranks hold ascending ranges of users in rank order, so the rows are in dense user order).
void WriteEvalFile(const std::vector<double>& records, const RecordLayout& layout, const Summary& summary,
                   const Dataset& data, const std::vector<std::string>& user_names, const ReportOptions& options,
                   MPI_Comm comm) {
  const RecordTable table(records, layout.size());
  int rank = 0;
  AMPCF_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  std::int64_t mine = static_cast<std::int64_t>(table.n), first = 0, total = 0;
  AMPCF_CHECK_MPI(MPI_Exscan(&mine, &first, 1, MPI_INT64_T, MPI_SUM, comm));
  if (rank == 0) first = 0;  // MPI_Exscan leaves rank 0's undefined
  AMPCF_CHECK_MPI(MPI_Allreduce(&mine, &total, 1, MPI_INT64_T, MPI_SUM, comm));
  MPI_Comm ring_comm = MPI_COMM_NULL;  // the token's own channel
  AMPCF_CHECK_MPI(MPI_Comm_dup(comm, &ring_comm));
  const std::string temporary = options.path + ".tmp";
  FileRing(ring_comm).WriteInTurn(
      temporary,
      [&] {
        if (rank == 0) CreateEvalFile(temporary, layout, summary, data, user_names, options, total);
        WriteEvalRows(temporary, table, layout, data, first);
      },
      [&] { h5::CommitFile(temporary, options.path); });
  AMPCF_CHECK_MPI(MPI_Comm_free(&ring_comm));
}

}  // namespace

std::string PrintedFigureName(const std::string& name) {
  for (const char* metric : {"hr@10", "ndcg@10", "full_hr@10", "full_ndcg@10"}) {
    if (name == metric) return Cat("test_", name);
    if (name == Cat("collapsed_", metric)) return Cat("collapsed_test_", metric);
  }
  return name;
}

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
  const int r = scorer.personas();
  const bool diagnostics = options.persona_diagnostics && r > 1;
  const RecordLayout layout{std::min<int>(options.top_k, data.n_items), space.clusters, diagnostics ? 2 * r * kTopK : 0};
  std::vector<double> records;
  records.reserve(users.size() * layout.size());
  SummarySums sums;
  sums.recommended.assign(data.n_items, 0);
  UserScratch scratch;
  scratch.order.resize(data.n_items);
  scratch.is_train.assign(data.n_items, 0);
  // The sample's users get every figure, from whole-catalogue scores in blocks; the others the
  // sampled protocol alone.
  std::vector<std::int32_t> sampled;
  for (std::int32_t u : users) {
    if (options.sample.everyone() || options.sample.Contains(data.UserId(u)))
      sampled.push_back(u);
    else
      AddSampled(SampledRank(scorer, data, u, user_rows(u), scratch), sums);
  }
  const std::size_t n = data.n_items;
  ForEachScoredBlock(scorer, sampled, user_rows, [&](std::span<const std::int32_t> block, const float* scores) {
    if (diagnostics) PersonaLists(scorer, data, block, scores, user_rows, options.exclude_validation, scratch);
    for (std::size_t i = 0; i < block.size(); ++i) {
      scratch.scores = {scores + i * n, n};
      UserFigures figures =
          EvaluateUser(scorer, data, space, block[i], user_rows(block[i]), layout.K, options, scratch);
      std::span<const std::int32_t> persona_lists;
      if (diagnostics) {
        figures.overlap = PersonaOverlap(scratch, i, r);
        persona_lists = {&scratch.persona_lists[i * layout.P], static_cast<std::size_t>(layout.P)};
      }
      AddUser(figures, scratch.order, data, sums);
      AppendRecord(data, block[i], figures, scratch, r, persona_lists, layout, records);
    }
  });
  Summary summary = ReduceSummary(sums, data, layout.K, comm);
  if (!diagnostics) {
    summary.erase("persona_overlap");  // 1 by definition
  } else {
    // The collapse ablation: the same users with each one's personas replaced by their mean.
    std::vector<float> collapsed(static_cast<std::size_t>(r) * scorer.dim());
    auto collapsed_rows = [&](std::int32_t u) {
      CollapsePersonas(user_rows(u), r, scorer.dim(), collapsed.data());
      return static_cast<const float*>(collapsed.data());
    };
    ReportOptions plain = options;
    plain.path.clear();
    plain.persona_diagnostics = false;
    const Summary ablation = EvaluateReport(scorer, data, space, users, collapsed_rows, plain, comm);
    for (const char* figure :
         {"hr@10", "ndcg@10", "full_hr@10", "full_ndcg@10", "tdd_js", "tdd_hellinger", "tdd_hist_js", "tdd_hist_hellinger"})
      summary[Cat("collapsed_", figure)] = ablation.at(figure);
  }
  // Per-user rows to rank 0 of comm, which writes eval.h5.
  if (options.path.empty()) return summary;
  // Users' string ids (datasets that have them), in the records' order: ranks hold ascending
  // ranges of users, in rank order.
  std::vector<std::string> names;
  if (data.HasUserNames())
    for (std::int32_t u : sampled) names.push_back(data.UserName(u));
  names = GatherLines(comm, names);
  WriteEvalFile(records, layout, summary, data, names, options, comm);
  return summary;
}

}  // namespace ampcf
