// Persona diagnostics of the evaluation report (eval/report.h), per user: which persona explains
// an item, how spread the attention is, how many personas the history uses, how alike the
// persona vectors are, and each persona's own and explained lists with their overlap.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "data/dataset.h"
#include "eval/report_record.h"
#include "models/model.h"

namespace ampcf {

// The persona with the highest attention for the i-th attended item (the first on ties), and
// that attention in *weight (when not null); `attention` holds r weights per attended item.
int DominantPersona(const std::vector<float>& attention, int r, std::size_t i, float* weight);

// Mean attention entropy (nats) over the first k attended items (the top-K list).
double AttentionEntropy(const std::vector<float>& attention, int r, int k);

// Personas dominant for at least one training item (attended items first .. first + n_train).
int PersonasUsed(const std::vector<float>& attention, int r, std::size_t first, std::size_t n_train);

// Mean cosine between the user's r persona vectors (rows, r x d); 1 for a single persona.
double PersonaSimilarity(const float* rows, int r, int d);

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
                  UserScratch& scratch);

// The mean Jaccard of user i's own persona lists (PersonaLists) of the block.
double PersonaOverlap(const UserScratch& scratch, std::size_t i, int r);

}  // namespace ampcf
