// BPR-MF (Rendle et al. 2009): one vector per user, score y_ui = u_i . v_j + b_j, trained with
// the Bayesian personalised ranking loss: per positive i and each of its |N| negatives n,
// -log sigmoid(y_ui - y_un), averaged over the negatives; plus --l2-example's per-positive L2 on
// every row read (the user's row times --l2-user-factor) and the optimiser's --l2.
// Tables: users (per user, width d), items (servers, width d+1: [v_j, b_j]).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/eigen_types.h"
#include "models/model.h"
#include "models/model_info.h"
#include "options/config.h"

namespace ampcf {

class BprMf : public Model {
 public:
  BprMf(const TrainConfig& config, std::int64_t n_items);
  explicit BprMf(const ModelShape& shape);

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
  std::string name_ = "bpr-mf";
  ModelShape shape_;
  double l2_example_ = 0, l2_user_factor_ = 1;
  std::vector<TableSpec> tables_;
  RowMatrixXf user_gradients_, item_gradients_;
};

// --model bpr-mf.
ModelInfo BprMfInfo();

}  // namespace ampcf
