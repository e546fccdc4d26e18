// The evaluation report: per user, the test item's rank (sampled and full protocol), the top-K
// list with scores and the persona that explains each item, the two taste distributions and
// their distances (eval/taste_space.h); over all users, the accuracy, TDD, beyond-accuracy and
// persona figures. Each rank computes its own users; figures are reduced and the per-user rows
// gathered to rank 0, which writes eval.h5.
//
// eval.h5 (readable with h5py):
//   /            attributes: format ("ampcf-eval"), version (1), dataset, dataset_fingerprint,
//                model, top_k, clusters, and every summary figure below by name
// /users holds the users of ReportOptions::sample (every user unless --eval-users), n of them.
//   /users/ids [n]                         original user ids
//   /users/test_item [n]                   original id of the test item
//   /users/sampled_rank, full_rank [n]     0-based rank of the test item (ties count against it)
//   /users/sampled_hit, sampled_ndcg, full_hit, full_ndcg [n]   @10
//   /users/top_items [n, K]                original ids of the top-K unseen items, best first
//   /users/top_scores [n, K]               their scores y_ij
//   /users/top_persona [n, K], top_persona_weight [n, K]   persona with the highest attention
//   /users/list_taste, history_taste [n, clusters]          TDD distributions (list, history)
//   /users/tdd_js, tdd_hellinger [n]       the paper's TDD
//   /users/tdd_hist_js, tdd_hist_hellinger [n]   its histogram variant (eval/taste_space.h)
//   /users/attention_entropy [n]           mean attention entropy over the top-K items (nats)
//   /users/personas_used [n]               personas dominant for at least one training item
//   /users/persona_similarity [n]          mean cosine between the user's persona vectors
//   /users/test_persona, test_persona_weight [n]   persona with the highest attention for the
//                                          test item, and that attention
// With persona diagnostics (ReportOptions::persona_diagnostics, r > 1):
//   /users/persona_top_items [n, r, 10]    each persona's own top-10 unseen items, persona k
//                                          alone scoring (u_k . v_j + b_j; eval/persona_views.h)
//   /users/persona_overlap [n]             mean Jaccard index between those r lists
//   /users/persona_explained_items [n, r, 10]   the recommendations each persona explains: the
//                                          best of the user's top 200 unseen items whose highest
//                                          attention is persona k's (-1 past a short list)
//   /users/names, /items/{ids,names}       string ids, for datasets that have them (Amazon)
// Summary: hr@10, ndcg@10 (sampled protocol, means over every user: `users` of them);
// cold_test_items (the share of those users whose test item was never trained on: its row keeps
// its initial values) and warm_hr@10, warm_ndcg@10 (the sampled protocol over the other users);
// full_hr@10, full_ndcg@10, full_recall@20, full_recall@50, full_ndcg@50 (full ranking over every
// unseen item; eval/ranking.h: kRecallShort, kRecallLong), tdd_js, tdd_hellinger, tdd_hist_js, tdd_hist_hellinger (means over
// the sample's `full_users`);
// coverage (share of items in some top-10 list), gini (of how often items are recommended in
// top-10 lists; 0 = evenly), novelty (mean -log2 of the share of users who have each top-10
// item); attention_entropy, personas_used, persona_similarity (means over `full_users`).
// With persona diagnostics also persona_overlap (mean over `full_users`) and the collapse
// ablation: collapsed_ followed by hr@10, ndcg@10, the five full-ranking figures and the four TDD
// figures (each user's personas replaced by their mean: the model as plain matrix
// factorisation; the same users as the figures without the prefix).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eval/taste_space.h"
#include "eval/user_sample.h"
#include "models/model.h"
#include "data/dataset.h"

namespace ampcf {

struct ReportOptions {
  int top_k = 30;             // list length (TDD uses 30, the paper's)
  std::string path;           // eval.h5 to write ("" = none)
  std::string model;          // what was evaluated, stored as an attribute
  // The model trained on the validation items too (--refit): top-K lists, and so TDD, leave
  // them out like the training items.
  bool exclude_validation = false;
  // The users that get every figure but the sampled protocol's (--eval-users); the others
  // count in hr@10 and ndcg@10 only and have no row in eval.h5.
  UserSample sample;
  // With more than one persona: each persona's own top list, their overlap, and the collapse
  // ablation (the report's figures once more with each user's personas replaced by their mean).
  bool persona_diagnostics = true;
  // Score each user's sampled-protocol candidates alone rather than read them from the
  // catalogue's scores: for a re-ranking scorer (eval/diversified_scorer.h), whose list in that
  // protocol is the candidates' own.
  bool sampled_from_candidates = false;
};

using Summary = std::map<std::string, double>;

// Collective over `comm`: evaluates `users` (this rank's share, dense ids) whose persona rows
// come from user_rows(u) (its pointer is read before the next call); returns the summary on every
// rank and writes options.path, rank 0 creating it and every rank writing its users' rows.
Summary EvaluateReport(const Scorer& scorer, const Dataset& data, const TasteSpace& space,
                       const std::vector<std::int32_t>& users,
                       const std::function<const float*(std::int32_t)>& user_rows, const ReportOptions& options,
                       MPI_Comm comm);

// The name a summary figure is printed and logged under: the accuracy figures, which the report
// measures on the test items, get "test_" (hr@10 -> test_hr@10, collapsed_full_hr@10 ->
// collapsed_test_full_hr@10); the others keep theirs.
std::string PrintedFigureName(const std::string& name);

// Gini coefficient of non-negative counts (0: all equal; near 1: all on one item).
double Gini(std::vector<std::int64_t> counts);

}  // namespace ampcf
