#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>

#include "core/gather.h"
#include "core/mpi_env.h"
#include "eval/eval_file.h"
#include "eval/persona_figures.h"
#include "eval/persona_views.h"
#include "eval/ranking.h"
#include "eval/report_record.h"
#include "eval/score_blocks.h"

namespace ampcf {

namespace {

// Sums over users, reduced over ranks into the summary.
struct SummarySums {
  // kUsers: users of the sampled protocol (hr@10, ndcg@10); kFullUsers: users of every other figure.
  enum { kHits, kNdcg, kFullHits, kFullNdcg, kFullRecall20, kFullRecall50, kFullNdcg50, kJs, kHellinger, kHistJs, kHistHellinger, kEntropy, kUsed, kSimilarity, kOverlap, kNovelty,
         kColdUsers, kWarmHits, kWarmNdcg, kUsers, kFullUsers, kN };
  double sums[kN] = {};
  std::vector<std::int64_t> recommended;  // top-kTopK appearances per item
};

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
  f.k = SortTopUnseen(scratch.scores, scratch.is_train, K, scratch.order);
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

// Whether user u's test item is cold: no interaction of it was trained on (its row holds only
// its initial values, so any rank it gets says nothing the model learned).
bool ColdTestItem(const Dataset& data, std::int32_t u, bool validation_trained) {
  const std::int32_t j = data.TestItem(u);
  return data.item_train_counts[j] == 0 && !(validation_trained && data.item_validation_counts[j] > 0);
}

void AddSampled(std::int64_t sampled_rank, bool cold, SummarySums& s) {
  s.sums[SummarySums::kHits] += HitAt(sampled_rank);
  s.sums[SummarySums::kNdcg] += NdcgAt(sampled_rank);
  s.sums[SummarySums::kUsers] += 1;
  if (cold) {
    s.sums[SummarySums::kColdUsers] += 1;
  } else {
    s.sums[SummarySums::kWarmHits] += HitAt(sampled_rank);
    s.sums[SummarySums::kWarmNdcg] += NdcgAt(sampled_rank);
  }
}

void AddUser(const UserFigures& f, bool cold, const std::vector<std::int32_t>& order, const Dataset& data,
             SummarySums& s) {
  double* sums = s.sums;
  AddSampled(f.sampled_rank, cold, s);
  sums[SummarySums::kFullHits] += HitAt(f.full_rank);
  sums[SummarySums::kFullNdcg] += NdcgAt(f.full_rank);
  sums[SummarySums::kFullRecall20] += HitAt(f.full_rank, kRecallShort);
  sums[SummarySums::kFullRecall50] += HitAt(f.full_rank, kRecallLong);
  sums[SummarySums::kFullNdcg50] += NdcgAt(f.full_rank, kRecallLong);
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
  const double warm_users = std::max(sums[SummarySums::kUsers] - sums[SummarySums::kColdUsers], 1.0);
  summary["cold_test_items"] = sums[SummarySums::kColdUsers] / sampled_users;
  summary["warm_hr@10"] = sums[SummarySums::kWarmHits] / warm_users;
  summary["warm_ndcg@10"] = sums[SummarySums::kWarmNdcg] / warm_users;
  summary["full_hr@10"] = sums[SummarySums::kFullHits] / n_users;
  summary["full_ndcg@10"] = sums[SummarySums::kFullNdcg] / n_users;
  summary["full_recall@20"] = sums[SummarySums::kFullRecall20] / n_users;
  summary["full_recall@50"] = sums[SummarySums::kFullRecall50] / n_users;
  summary["full_ndcg@50"] = sums[SummarySums::kFullNdcg50] / n_users;
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

}  // namespace

std::string PrintedFigureName(const std::string& name) {
  for (const char* metric : {"hr@10", "ndcg@10", "warm_hr@10", "warm_ndcg@10", "full_hr@10", "full_ndcg@10",
                             "full_recall@20", "full_recall@50", "full_ndcg@50"}) {
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
      AddSampled(SampledRank(scorer, data, u, user_rows(u), scratch), ColdTestItem(data, u, options.exclude_validation),
                 sums);
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
      AddUser(figures, ColdTestItem(data, block[i], options.exclude_validation), scratch.order, data, sums);
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
         {"hr@10", "ndcg@10", "full_hr@10", "full_ndcg@10", "full_recall@20", "full_recall@50", "full_ndcg@50", "tdd_js",
          "tdd_hellinger", "tdd_hist_js", "tdd_hist_hellinger"})
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
  WriteEvalFile(options.path, options.model, records, layout, summary, data, names, comm);
  return summary;
}

}  // namespace ampcf
