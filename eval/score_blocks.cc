#include "eval/score_blocks.h"

#include <algorithm>

#include "core/peer_wait.h"

namespace ampcf {

namespace {
constexpr double kBlockBytes = 32.0 * 1024 * 1024;
// Measured with ampcf_bench_eval (AMP-2, d = 64): blocks of 64-128 score fastest; 256 is slower
// on ML-1M and twice as slow on 23k items (the block no longer fits the caches).
constexpr int kMaxBlockUsers = 128;
}  // namespace

int BlockUsers(const Scorer& scorer) {
  const double bytes_per_user = sizeof(float) * (2.0 * scorer.personas() + 1) * std::max(scorer.n_items(), 1);
  return std::clamp(static_cast<int>(kBlockBytes / bytes_per_user), 1, kMaxBlockUsers);
}

void ForEachScoredBlock(const Scorer& scorer, std::span<const std::int32_t> users,
                        const std::function<const float*(std::int32_t)>& user_rows,
                        const std::function<void(std::span<const std::int32_t> block, const float* scores)>& each,
                        int block_users) {
  const std::size_t B = block_users > 0 ? block_users : BlockUsers(scorer);
  const std::size_t row = static_cast<std::size_t>(scorer.personas()) * scorer.dim();
  std::vector<float> rows(std::min(B, users.size()) * row), scores;
  for (std::size_t first = 0; first < users.size(); first += B) {
    const std::span<const std::int32_t> block = users.subspan(first, std::min(B, users.size() - first));
    for (std::size_t i = 0; i < block.size(); ++i) std::copy_n(user_rows(block[i]), row, &rows[i * row]);
    scorer.ScoreBlock(rows.data(), static_cast<int>(block.size()), scores);
    each(block, scores.data());
    // A long evaluation stays present to roll calls: an idle server asks whether it is cut off.
    peer::AnswerRollCall();
  }
}

}  // namespace ampcf
