// What the worker and server machinery knows of a model: its tables, the rows a batch reads,
// the loss and gradients of a batch, and how to score items for a user. Each model has a folder
// of its own (models/amp: AMP-CF) and one line in models/registry.cc; nothing outside a model's
// folder and that line names a model.
//
// Tables. A model keeps its parameters in row tables of two placements:
//   kPerUser   one row per user, on the worker that owns the user, updated there (personas);
//   kOnServers rows spread over the parameter servers, row key k on server k % S (item rows,
//              and dense blocks such as AMP-CF's attention maps: a table of a fixed row count
//              that every step reads whole).
// Every model has exactly one kPerUser table, named "users", and a kOnServers table named
// "items" with one row of width d+1 ([v_j, b_j]) per item; checkpoints store tables by name.
//
// A step. The worker's batch builder draws positives and negatives (Batch); the model names the
// rows of each kOnServers table the batch reads (RowsRead: unique, ascending keys, as
// ps/protocol.h requires); the machinery pulls them and gathers the per-user rows of the batch's
// users; ForwardBackward computes the loss and the gradient of every row read; the machinery
// applies the per-user gradients locally (unless the table is made from the users' items,
// TableSpec::from_items) and pushes the others to the servers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/model_file.h"
#include "io/model_shape.h"
#include "options/config.h"
#include "tables/adam.h"
#include "tables/row_table.h"
#include "tables/table_spec.h"

namespace ampcf {

// One minibatch of a worker, as slots into the rows gathered for it.
struct Batch {
  int candidates = 5;                 // 1 + |N| items per positive; the first is the positive
  std::vector<std::int32_t> user;     // per positive: its user's slot in `users`
  std::vector<std::int32_t> item;     // per positive, `candidates` slots in `items`
  std::vector<std::int32_t> users;    // the slots' local user indices, unique, in first-use order
  std::vector<std::int32_t> items;    // the slots' dense item ids, unique and ascending
  std::vector<float> item_log_q;      // per item slot: log of its sampling probability (or empty)
  // Per user slot: the user's training items over the dataset's mean per user (empty: all 1).
  std::vector<float> relative_history;
  // Multiplies every gradient: a worker computing its 1/W share of a batch uses 1/W, so that the
  // sum of a clock's W pushes is the whole batch's gradient.
  double gradient_scale = 1.0;
  int size() const { return static_cast<int>(user.size()); }
};

struct BatchStats {
  double loss = 0;  // the objective, mean per positive
  double sampled_nll = 0;
  double entropy_pos = 0;
  double entropy_neg = 0;
};

// Scores items for one user against fixed item rows (evaluation, explanations).
class Scorer {
 public:
  virtual ~Scorer() = default;
  // Scores of `candidates` (of every item when empty) for the user whose per-user row is
  // `user_row`. With `attention`, also personas() weights per scored item: how much each of the
  // user's personas explains it (all 1 for single-vector models).
  virtual void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
                     std::vector<float>* attention = nullptr) const = 0;
  // Scores of every item for `n_users` users whose per-user rows lie one after another from
  // `user_rows`: `scores` becomes n_users x n_items(), row-major, equal to Score's per user up to
  // float rounding (summation order, a vectorised exp). Whole-catalogue evaluation calls this:
  // a model with a matrix form overrides it with GEMMs, so that the item matrix is packed once
  // per block of users instead of once per user. The default calls Score user by user.
  virtual void ScoreBlock(const float* user_rows, int n_users, std::vector<float>& scores) const;
  // Item-based models: the user's history items that make `item`'s score, with each one's share
  // of it (DeepICF+a: its attention weight; FISM: its term of the score), largest first, at
  // most `top`. Empty (the default) for models whose users are vectors of their own.
  virtual std::vector<std::pair<std::int32_t, float>> Because(const float* /*user_row*/, std::int32_t /*item*/,
                                                              int /*top*/) const {
    return {};
  }
  // Retrieval through an inner-product index (eval/item_index.h). A model returns the width of
  // its item vectors when, for every user, an item's score is at most the largest inner product
  // of the user's queries with the item's vector, and equal to it for a single query; 0 (the
  // default) when its score has no such form, and no index can serve it. AMP-CF: queries
  // [u_k, 1], one per persona, against [v_j, b_j]: its attention weights sum to 1, so
  // y_j = sum_k a_jk (u_k . v_j + b_j) <= max_k (u_k . v_j + b_j).
  virtual int InnerProductWidth() const { return 0; }
  // Item `item`'s vector (InnerProductWidth() floats) into `out`.
  virtual void InnerProductItem(std::int32_t /*item*/, float* /*out*/) const {}
  // The user's queries, InnerProductWidth() floats each, one after another; returns how many.
  virtual int InnerProductQueries(const float* /*user_row*/, std::vector<float>& /*queries*/) const { return 0; }
  virtual std::int32_t n_items() const = 0;
  virtual int personas() const = 0;
  virtual int dim() const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual const std::string& name() const = 0;
  virtual const ModelShape& shape() const = 0;
  // The tables, in a fixed order: the kOnServers ones in it are "server table 0, 1, ...".
  virtual const std::vector<TableSpec>& tables() const = 0;
  // Keys of every kOnServers table that the batch reads, in server-table order. `user_rows`: the
  // batch users' per-user rows, in slot order, when the per-user table is made from the users'
  // items (TableSpec::from_items: rows training never changes, so a step prepared ahead of the
  // previous one's update may read them); nullptr otherwise.
  virtual void RowsRead(const Batch& batch, const float* user_rows,
                        std::vector<std::vector<std::int32_t>>& keys) const = 0;
  // `user_rows`: the per-user rows of batch.users, in slot order. `server_rows[t]`: the rows of
  // server table t, in RowsRead's key order. Sets `user_gradients` and `server_gradients[t]`
  // to buffers of the same layouts, owned by the model and valid until the next call.
  virtual BatchStats ForwardBackward(const Batch& batch, const float* user_rows,
                                     const std::vector<const float*>& server_rows, const float*& user_gradients,
                                     std::vector<const float*>& server_gradients) = 0;
  // A scorer over whole server tables (`server_tables[t]`: every row of table t, in key order);
  // it keeps the pointers.
  virtual std::unique_ptr<Scorer> MakeScorer(const std::vector<const float*>& server_tables,
                                             std::int32_t n_items) const = 0;
  // The model file's arrays of whole server tables, and back (io/model_file.h).
  virtual void ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const = 0;
  virtual std::vector<std::vector<float>> ImportTables(const ModelData& model, const std::string& path) const = 0;
};

}  // namespace ampcf

namespace ampcf {

// The optimiser of --lr and --l2, as every model's tables start from.
AdamConfig MakeAdam(const TrainConfig& config);

// The keys a step reads of a dense table of `rows` rows: all of them, ascending; none for an
// empty batch.
void DenseTableKeys(const Batch& batch, std::int64_t rows, std::vector<std::int32_t>& keys);

// The model's kOnServers tables, in order ("server table 0, 1, ..."), and its kPerUser table.
std::vector<TableSpec> ServerTables(const Model& model);
const TableSpec& UserTable(const Model& model);

}  // namespace ampcf
