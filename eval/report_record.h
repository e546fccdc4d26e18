// The evaluation report's per-user record (eval/report.h): the figures of one user, as the
// report computes them (UserFigures, with the buffers reused from user to user: UserScratch)
// and as it hands them to eval.h5 (one row of doubles per user: RecordLayout).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ampcf {

// A user's record: these fixed fields (the user's dense id, its original id and its test item's,
// ...), then kPerListItem blocks of K (the top items, their scores, dominant personas and persona
// weights), kPerCluster blocks of C (list and history taste) and, with persona diagnostics, the
// personas' lists (P = 2 r kTopK items: eval/persona_figures.h). Entries past a shorter list stay
// kAbsent.
enum RecordField { kUserField, kUserIdField, kTestItemIdField, kSampledRankField, kFullRankField, kJsField, kHellingerField, kEntropyField,
                   kPersonasUsedField, kSimilarityField, kTestPersonaField, kTestWeightField, kOverlapField, kHistJsField, kHistHellingerField, kFixed };
enum ListBlock { kTopItemsBlock, kTopScoresBlock, kTopPersonaBlock, kTopWeightBlock, kPerListItem };
enum ClusterBlock { kListTasteBlock, kHistoryTasteBlock, kPerCluster };
constexpr double kAbsent = -1.0;

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
  // and the personas' lists of every user of the block (eval/persona_figures.h: PersonaLists).
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

}  // namespace ampcf
