#include "worker/batch_builder.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ampcf {

namespace {
// Random stream tags (core/rng.h: MixSeed).
constexpr std::uint64_t kShuffleStream = 0x5b0ff1e, kNegativeStream = 0x9e9a71e;
// Redraws of a negative that hits its positive (or, with exclude_seen, a training item): bounded
// for users who saw most items.
constexpr int kMaxRedraws = 32;
// log q of an item the sampler never draws.
constexpr double kSmallestProbability = 1e-30;
// A batch's distinct items are found with a bitmap over the catalogue while scanning its words
// costs less than sorting the items: up to this many 64-bit words per candidate.
constexpr std::size_t kBitmapWordsPerCandidate = 4;
}  // namespace

BatchBuilder::BatchBuilder(const Dataset& data, const std::vector<std::int32_t>& users, const BatchOptions& options)
    : data_(data),
      users_(users),
      options_(options),
      sampler_(data.item_train_counts, options.negative_power),
      rng_(options.seed) {
  user_slot_of_.assign(users_.size(), -1);
  item_slot_of_.assign(data.n_items, -1);
  item_bits_.assign((static_cast<std::size_t>(data.n_items) + 63) / 64, 0);
  left_out_.assign(users_.size(), 0);
  const double mean_history = static_cast<double>(data.n_train) / std::max<std::int32_t>(data.n_users, 1);
  for (std::int32_t user : users_)
    relative_history_.push_back(static_cast<float>(static_cast<double>(data.TrainItems(user).size()) / mean_history));
  UseValidation(false);
}

void BatchBuilder::LeaveOut(const std::vector<std::int32_t>& left_out) {
  for (std::int32_t u : left_out) {
    const auto found = std::lower_bound(users_.begin(), users_.end(), u);
    if (found != users_.end() && *found == u) left_out_[static_cast<std::size_t>(found - users_.begin())] = 1;
  }
}

void BatchBuilder::UseValidation(bool with_validation) {
  positives_.clear();
  for (std::size_t local = 0; local < users_.size(); ++local) {
    if (left_out_[local]) continue;
    const std::int32_t u = users_[local];
    for (std::int32_t item : data_.TrainItems(u)) positives_.push_back({static_cast<std::int32_t>(local), item});
    if (with_validation && data_.ValItem(u) >= 0)
      positives_.push_back({static_cast<std::int32_t>(local), data_.ValItem(u)});
  }
  if (with_validation) {
    // All users' validation items count, so every worker draws from the same distribution.
    std::vector<std::int64_t> counts = data_.item_train_counts;
    for (std::int32_t item = 0; item < data_.n_items; ++item) counts[item] += data_.item_validation_counts[item];
    sampler_ = AliasSampler(counts, options_.negative_power);
  }
  log_q_.resize(data_.n_items);
  for (std::int32_t item = 0; item < data_.n_items; ++item)
    log_q_[item] = static_cast<float>(std::log(std::max(sampler_.Probability(item), kSmallestProbability)));
}

void BatchBuilder::Shuffle(int epoch) {
  const std::int64_t n = n_pairs();
  Rng shuffle(MixSeed(MixSeed(options_.seed, kShuffleStream, static_cast<std::uint64_t>(epoch)),
                      static_cast<std::uint64_t>(options_.worker)));
  shuffled_ = positives_;
  for (std::int64_t i = n - 1; i > 0; --i)
    std::swap(shuffled_[i], shuffled_[static_cast<std::int64_t>(UniformIndex(shuffle, static_cast<std::uint64_t>(i + 1)))]);
}

void BatchBuilder::CollectItems(const std::vector<std::int32_t>& item, std::vector<std::int32_t>& items) {
  const std::size_t words = item_bits_.size();
  if (words <= kBitmapWordsPerCandidate * item.size()) {
    // One bit per item, read in order: sorted without a sort (a batch's items are a dense
    // sample of a small catalogue).
    for (std::int32_t i : item) item_bits_[static_cast<std::size_t>(i) >> 6] |= std::uint64_t{1} << (i & 63);
    for (std::size_t w = 0; w < words; ++w) {
      for (std::uint64_t bits = item_bits_[w]; bits != 0; bits &= bits - 1)
        items.push_back(static_cast<std::int32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
      item_bits_[w] = 0;
    }
    return;
  }
  for (std::int32_t i : item) {
    if (item_slot_of_[i] < 0) {
      item_slot_of_[i] = 0;
      items.push_back(i);
    }
  }
  std::sort(items.begin(), items.end());
}

void BatchBuilder::Build(int epoch, std::int64_t step, std::int64_t begin, std::int64_t end, Batch& batch) {
  const int C = 1 + options_.negatives;
  const int n = static_cast<int>(end - begin);
  rng_.seed(MixSeed(MixSeed(options_.seed, kNegativeStream, static_cast<std::uint64_t>(epoch)),
                    static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(options_.worker)));
  batch.candidates = C;
  batch.gradient_scale = options_.gradient_scale;
  batch.user.resize(n);
  batch.item.resize(static_cast<std::size_t>(n) * C);
  batch.users.clear();
  batch.items.clear();
  for (int b = 0; b < n; ++b) {
    const Positive& pair = shuffled_[begin + b];
    const std::int32_t local = pair.user;
    if (user_slot_of_[local] < 0) {
      user_slot_of_[local] = static_cast<std::int32_t>(batch.users.size());
      batch.users.push_back(local);
    }
    batch.user[b] = user_slot_of_[local];
    const std::int32_t positive = pair.item;
    batch.item[static_cast<std::size_t>(b) * C] = positive;
    const std::int32_t user = users_[local];
    for (int c = 1; c < C; ++c) {
      std::int32_t negative = sampler_.Draw(rng_);
      for (int redraw = 0; redraw < kMaxRedraws && (negative == positive ||
                                                    (options_.exclude_seen && IsTrainItem(data_, user, negative)));
           ++redraw)
        negative = sampler_.Draw(rng_);
      batch.item[static_cast<std::size_t>(b) * C + c] = negative;
    }
  }
  CollectItems(batch.item, batch.items);
  for (std::size_t s = 0; s < batch.items.size(); ++s) item_slot_of_[batch.items[s]] = static_cast<std::int32_t>(s);
  for (std::int32_t& item : batch.item) item = item_slot_of_[item];
  batch.item_log_q.clear();
  if (options_.log_q)
    for (std::int32_t item : batch.items) batch.item_log_q.push_back(log_q_[item]);
  batch.relative_history.clear();
  for (std::int32_t local : batch.users) batch.relative_history.push_back(relative_history_[local]);
  for (std::int32_t local : batch.users) user_slot_of_[local] = -1;
  for (std::int32_t item : batch.items) item_slot_of_[item] = -1;
}

}  // namespace ampcf
