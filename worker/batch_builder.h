// A worker's minibatches, without MPI: its positives (its users' training items, and with
// --refit their validation items too), each epoch's seeded shuffle of them, and for each
// positive |N| negatives from the unigram^power sampler. Everything random is seeded from
// (seed, epoch, step, worker), so a resumed run draws the same batches.
//
// Contract of a built Batch (models/model.h): users unique, in first-use order; items unique
// and ascending (ps/protocol.h wants sorted keys); a negative never equals its positive.
#pragma once

#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "data/dataset.h"
#include "data/sampler.h"
#include "models/model.h"

namespace ampcf {

struct BatchOptions {
  int negatives = 4;
  double negative_power = 0.5;
  bool exclude_seen = false;  // also redraw negatives among the user's training items
  bool log_q = false;         // fill Batch::item_log_q
  std::uint64_t seed = 1;
  int worker = 0;
  double gradient_scale = 1.0;  // Batch::gradient_scale
};

class BatchBuilder {
 public:
  // `users`: the dense ids of this worker's users, ascending; `data` must outlive the builder.
  BatchBuilder(const Dataset& data, const std::vector<std::int32_t>& users, const BatchOptions& options);

  // Positives: training items, plus validation items when `with_validation` (the sampler then
  // follows the counts of everything trained on).
  void UseValidation(bool with_validation);
  // Users (dense ids among `users`) whose items are never positives, from the next
  // UseValidation on (train --exclude-users).
  void LeaveOut(const std::vector<std::int32_t>& left_out);
  std::int64_t n_pairs() const { return static_cast<std::int64_t>(positives_.size()); }
  // This epoch's order of the positives (seeded by seed, epoch, worker).
  void Shuffle(int epoch);
  // The batch of positives [begin, end) of the epoch's order, drawn at `step`.
  void Build(int epoch, std::int64_t step, std::int64_t begin, std::int64_t end, Batch& batch);

 private:
  // `items` becomes the distinct values of `item`, ascending (`items` starts empty).
  void CollectItems(const std::vector<std::int32_t>& item, std::vector<std::int32_t>& items);

  const Dataset& data_;
  std::vector<std::int32_t> users_;
  std::vector<char> left_out_;  // per local user
  std::vector<float> relative_history_;  // per local user: Batch::relative_history
  BatchOptions options_;
  AliasSampler sampler_;
  std::vector<float> log_q_;                         // per item: log of its sampling probability
  struct Positive {
    std::int32_t user, item;  // local user, item
  };
  std::vector<Positive> positives_;
  // This epoch's order of them, copied out, so that a batch reads them one after another (a
  // random read per positive from an index stalled batch building on memory).
  std::vector<Positive> shuffled_;
  std::vector<std::int32_t> user_slot_of_, item_slot_of_;  // scratch, -1 when unused
  std::vector<std::uint64_t> item_bits_;                   // scratch, all zero between batches
  Rng rng_;
};

}  // namespace ampcf
