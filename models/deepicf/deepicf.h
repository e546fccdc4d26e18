// Item-based models: a user is the items they chose, not a learned row.
//
// --model fism:    y = b_i + p_i . e(H)           e: FISM's pooling of the items' context rows q_h (history_pool.h)
// --model deepicf: y = b_i + tower(e(H, p_i))     DeepICF+a (Xue et al. 2019): attention pooling
//                                                 of q_h (.) p_i, then an MLP (models/neumf/tower.h,
//                                                 input d, no GMF part)
// H: a seeded sample of at most --history-items of the user's training items, drawn once per
// user and fixed (so every rank, checkpoint and model file agrees on it); the item scored is left
// out of H in training (FISM's R_u \ {i}). The sample bounds a user's cost: DeepICF's pooling
// costs O(|H| d a) per scored item. Scoring uses the whole sample: the items scored at
// evaluation are never among the user's training items.
// Trained as NCF: pointwise log loss over the positive (label 1) and its |N| negatives (0),
// mean per positive, plus the optimiser's --l2 on the rows read (--l2-example does not apply: a
// user has no row of its own).
//
// Tables, in order:
//   users    per user  width L        the sample: dense item ids as floats (exact below 2^24),
//                                     -1 past the last; made from the user's items, not trained
//   items    servers   width d + 1    [p_i, b_i]: the target item's row
//   context  servers   width d        q_h: the row of an item as part of a user's history (its
//                                     context row, as NAIS calls it; "history" names another
//                                     checkpoint group)
//   network  servers   width 64       deepicf only: the attention's W, b, w then the tower's
//                                     theta (models/flat_table.h); every step reads all (dense)
// model.h5 arrays beside every model's items and users: /context/q [n_items, d]; deepicf also
// /attention/W [a, d], /attention/b, /attention/w [1, a] and the tower's (TowerBlocks).
// --pretrained FISM.h5 (deepicf): p, b and q from a trained fism model of this dataset, as the
// paper pretrains.
// ModelShape: personas 1, dim d, user_columns L (the history), sizes att_dim a and tower (deepicf only).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/deepicf/history_pool.h"
#include "models/deepicf/deepicf_options.h"
#include "models/model.h"
#include "models/model_info.h"
#include "models/neumf/tower.h"
#include "options/config.h"

namespace ampcf {

// The user row of `items` (sorted dense ids): all of them when they fit in `width`, else a
// sample of `width` seeded by (seed, user); ascending, -1 past the last.
void SampleHistory(std::int64_t user, std::span<const std::int32_t> items, int width, std::uint64_t seed, float* row);
// The ids a user row holds, in order.
void HistoryOf(const float* row, int width, std::vector<std::int32_t>& items);

class DeepIcf : public Model {
 public:
  // config.model: "fism" or "deepicf". UserError naming --mlp-layers when its first width is not
  // --dim, naming --model when the catalogue has 2^24 items or more.
  DeepIcf(const TrainConfig& config, std::int64_t n_items);
  explicit DeepIcf(const ModelShape& shape);

  const std::string& name() const override { return name_; }
  const ModelShape& shape() const override { return shape_; }
  const std::vector<TableSpec>& tables() const override { return tables_; }
  void RowsRead(const Batch& batch, const float* user_rows, std::vector<std::vector<std::int32_t>>& keys) const override;
  BatchStats ForwardBackward(const Batch& batch, const float* user_rows, const std::vector<const float*>& server_rows,
                             const float*& user_gradients, std::vector<const float*>& server_gradients) override;
  std::unique_ptr<Scorer> MakeScorer(const std::vector<const float*>& server_tables,
                                     std::int32_t n_items) const override;
  void ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const override;
  std::vector<std::vector<float>> ImportTables(const ModelData& model, const std::string& path) const override;

  bool attention() const { return shape_.Size("att_dim") > 0; }
  const AttentionLayout& attention_layout() const { return attention_; }
  const TowerLayout& tower_layout() const { return *tower_; }  // deepicf only
  std::size_t network_size() const { return attention() ? tower_offset() + tower_->size : 0; }

 private:
  // A batch's instances i = b * C + c (positive b's user with its candidate c; c = 0 the
  // positive) over the rows a step read.
  struct Instances {
    const Batch& batch;
    Eigen::Map<const RowMatrixXf> items;  // [p_i, b_i] per item slot
    const float* history;                 // q rows, in the history keys' order
    const float* network;                 // deepicf only
    std::size_t slot(Eigen::Index i) const { return static_cast<std::size_t>(batch.user[i / batch.candidates]); }
    std::int32_t item_slot(Eigen::Index i) const { return batch.item[i]; }
    auto target(Eigen::Index i) const { return items.row(item_slot(i)).head(items.cols() - 1); }
    Eigen::Map<const Eigen::RowVectorXf> history_row(std::int32_t row) const {
      const Eigen::Index d = items.cols() - 1;
      return {history + std::size_t(row) * d, d};
    }
  };

  std::size_t tower_offset() const { return attention_.end; }
  // Per user slot: the rows of its history items in the batch's history keys.
  void HistoryRows(const Batch& batch, const float* user_rows, const std::vector<std::int32_t>& keys);
  // A slot's history item ids (ascending), and the history row of `item` in it (-1: not in it).
  std::span<const std::int32_t> SlotIds(std::size_t slot) const;
  std::int32_t HistoryRowOf(std::size_t slot, std::int32_t item) const;
  // The history rows of instance (slot, item) without `item` into Q_ (and their rows in rows_).
  void GatherHistory(std::size_t slot, std::int32_t item, const float* history);
  // logits_ (without b_i) from the rows read; then, from dlogits_, every gradient but b_i's.
  void FismForward(const Instances& in);
  void FismBackward(const Instances& in);
  void AttentionForward(const Instances& in);
  void AttentionBackward(const Instances& in);

  std::string name_;
  ModelShape shape_;
  AttentionLayout attention_;
  std::optional<TowerLayout> tower_;  // deepicf only
  std::vector<TableSpec> tables_;
  // Scratch of ForwardBackward.
  std::vector<std::int32_t> keys_, ids_, slot_rows_, rows_;
  RowMatrixXf Q_, dQ_, E_, dX_, dG_, sums_, item_gradients_, history_gradients_, user_gradients_;
  Eigen::RowVectorXf dp_;
  Eigen::VectorXf logits_, dlogits_, fism_scale_;
  std::vector<std::int32_t> fism_left_out_;  // per instance: the history row its target takes out, or -1
  // Per instance (deepicf): its pooling's intermediates, kept from the forward to the backward
  // pass (at L = 128, d = 64, a = 16, about 40 KB each: 52 MB for a batch of 256 x 5).
  std::vector<AttentionPool> pools_;
  TowerPass pass_;
  AlignedVector<float> network_gradients_;
};

// --model fism and deepicf.
ModelInfo FismInfo();
ModelInfo DeepIcfInfo();

}  // namespace ampcf
