// AMP-CF as a model of the machinery (models/model.h); the maths is in models/amp/amp_model.h.
// Matrix factorisation is AMP-CF with r = 1.
//
// Tables, in order:
//   users      per user   width r*d   the personas; persona k = sqrt(1 - s^2) * base + s * noise_k,
//                                     base and noise N(0, init_std^2), s = --persona-spread
//   items      servers    width d+1   [v_j, b_j]; v_j ~ N(0, init_std^2), b_j = 0
//   attention  servers    width da    rows 0..d-1 are A_u, d..2d-1 are A_v; every step reads all;
//                                     N(0, (att_init_scale / sqrt(d))^2) + att_init_identity * I;
//                                     learns at --lr * --att-lr-scale with its own L2 (--att-l2)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/amp/amp_model.h"
#include "models/amp/amp_options.h"
#include "models/model.h"
#include "models/model_info.h"
#include "options/config.h"

namespace ampcf {

class AmpCf : public Model {
 public:
  // config.model_options: AmpOptions (models/amp/amp_options.h).
  AmpCf(const TrainConfig& config, std::int64_t n_items);
  AmpCf(const TrainConfig& config, const AmpOptions& options, std::int64_t n_items);
  // For evaluating a saved model: the shape only (no training tables' initialisers).
  explicit AmpCf(const ModelShape& shape);

  const std::string& name() const override { return name_; }
  const ModelShape& shape() const override { return shape_; }
  const std::vector<TableSpec>& tables() const override { return tables_; }
  void RowsRead(const Batch& batch, const float* /*user_rows*/, std::vector<std::vector<std::int32_t>>& keys) const override;
  BatchStats ForwardBackward(const Batch& batch, const float* user_rows, const std::vector<const float*>& server_rows,
                             const float*& user_gradients, std::vector<const float*>& server_gradients) override;
  std::unique_ptr<Scorer> MakeScorer(const std::vector<const float*>& server_tables,
                                     std::int32_t n_items) const override;
  void ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const override;
  std::vector<std::vector<float>> ImportTables(const ModelData& model, const std::string& path) const override;

 private:
  std::string name_ = "amp-cf";
  ModelShape shape_;
  LossWeights weights_;
  std::vector<TableSpec> tables_;
  BatchGradients gradients_;
  AlignedVector<float> attention_gradients_;  // A_u's then A_v's, as the attention table lays them out
};

// --model amp-cf.
ModelInfo AmpCfInfo();

}  // namespace ampcf
