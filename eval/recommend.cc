#include "eval/recommend.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "eval/score_blocks.h"

namespace ampcf {

namespace {
// Sets (value 1) or clears (0) the flags of what user u has seen: their training items, and the
// validation item when the model trained on it.
void MarkSeen(const Dataset& data, std::int32_t u, bool exclude_validation, char value, std::vector<char>& seen) {
  for (std::int32_t j : data.TrainItems(u)) seen[j] = value;
  if (const std::int32_t validation = exclude_validation ? data.ValItem(u) : -1; validation >= 0) seen[validation] = value;
}
}  // namespace

std::vector<Recommended> TopUnseen(std::span<const float> scores, std::span<const char> seen, int top) {
  // A min-heap of the best `top` so far: one pass over the catalogue, O(n log top).
  const auto better = [](const Recommended& a, const Recommended& b) {
    return a.score > b.score || (a.score == b.score && a.item < b.item);
  };
  std::vector<Recommended> heap;
  if (top <= 0) return heap;
  heap.reserve(std::min(static_cast<std::size_t>(top), scores.size()) + 1);
  for (std::size_t j = 0; j < scores.size(); ++j) {
    if (seen[j] || !std::isfinite(scores[j])) continue;
    const Recommended candidate{static_cast<std::int32_t>(j), scores[j], 0, 0.0f};
    if (static_cast<int>(heap.size()) < top) {
      heap.push_back(candidate);
      std::push_heap(heap.begin(), heap.end(), better);  // heap.front(): the worst kept
    } else if (better(candidate, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = candidate;
      std::push_heap(heap.begin(), heap.end(), better);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return heap;
}

void LabelPersonas(const Scorer& scorer, const float* user_row, std::vector<Recommended>& items) {
  if (items.empty()) return;
  std::vector<std::int32_t> candidates;
  for (const Recommended& e : items) candidates.push_back(e.item);
  std::vector<float> scores, attention;
  scorer.Score(user_row, candidates, scores, &attention);
  const int r = scorer.personas();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const float* a = &attention[i * static_cast<std::size_t>(r)];
    items[i].persona = static_cast<int>(std::max_element(a, a + r) - a);
    items[i].weight = a[items[i].persona];
  }
}

std::vector<std::vector<Recommended>> Recommend(const Scorer& scorer, const Dataset& data,
                                                std::span<const std::int32_t> users,
                                                const std::function<const float*(std::int32_t)>& user_rows, int top,
                                                bool exclude_validation) {
  std::vector<std::vector<Recommended>> out(users.size());
  std::vector<char> seen(static_cast<std::size_t>(data.n_items), 0);
  std::size_t next = 0;  // blocks come in the order of `users`
  ForEachScoredBlock(scorer, users, user_rows, [&](std::span<const std::int32_t> block, const float* scores) {
    for (std::size_t b = 0; b < block.size(); ++b, ++next) {
      const std::int32_t u = block[b];
      MarkSeen(data, u, exclude_validation, 1, seen);
      out[next] = TopUnseen({scores + b * static_cast<std::size_t>(data.n_items), seen.size()}, seen, top);
      MarkSeen(data, u, exclude_validation, 0, seen);
      LabelPersonas(scorer, user_rows(u), out[next]);
    }
  });
  return out;
}

std::vector<std::vector<Recommended>> RecommendFromIndex(const Scorer& scorer, const ItemIndex& index,
                                                         const Dataset& data, std::span<const std::int32_t> users,
                                                         const std::function<const float*(std::int32_t)>& user_rows,
                                                         int top, bool exclude_validation, int candidates,
                                                         std::vector<double>* seconds_per_user) {
  std::vector<std::vector<Recommended>> out(users.size());
  if (seconds_per_user != nullptr) seconds_per_user->assign(users.size(), 0.0);
  std::vector<char> seen(static_cast<std::size_t>(data.n_items), 0);
  std::vector<float> queries, scores, attention;
  std::vector<std::int32_t> found;
  const int r = scorer.personas();
  for (std::size_t i = 0; i < users.size(); ++i) {
    const auto start = std::chrono::steady_clock::now();
    const std::int32_t u = users[i];
    const float* row = user_rows(u);
    MarkSeen(data, u, exclude_validation, 1, seen);
    const int n_seen = static_cast<int>(data.TrainItems(u).size()) + (exclude_validation && data.ValItem(u) >= 0 ? 1 : 0);
    const int n_queries = scorer.InnerProductQueries(row, queries);
    found.clear();
    for (int q = 0; q < n_queries; ++q)
      index.Search(&queries[static_cast<std::size_t>(q) * index.width()], candidates + n_seen, found);
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    found.erase(std::remove_if(found.begin(), found.end(), [&](std::int32_t j) { return seen[j] != 0; }), found.end());
    MarkSeen(data, u, exclude_validation, 0, seen);
    scorer.Score(row, found, scores, &attention);
    // TopUnseen over the candidates (none of them seen), then back to item ids and personas.
    const std::vector<char> none(found.size(), 0);
    std::vector<Recommended> best = TopUnseen(scores, none, top);
    for (Recommended& e : best) {
      const std::size_t c = static_cast<std::size_t>(e.item);
      const float* a = &attention[c * static_cast<std::size_t>(r)];
      e.item = found[c];
      e.persona = static_cast<int>(std::max_element(a, a + r) - a);
      e.weight = a[e.persona];
    }
    // TopUnseen breaks ties by candidate position, which is item order here too.
    out[i] = std::move(best);
    if (seconds_per_user != nullptr)
      (*seconds_per_user)[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return out;
}

}  // namespace ampcf
