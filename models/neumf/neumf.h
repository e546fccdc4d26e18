// NeuMF and its two parts, GMF and MLP (He et al. 2017), as models of the machinery
// (models/model.h); the network is models/neumf/tower.h. Trained as NCF does: pointwise log
// loss, each positive labelled 1 and each of its |N| negatives 0,
//   loss = sum over the 1 + |N| instances of softplus(y) - label * y   (mean per positive),
// plus --l2-example's per-positive L2 on the user and item rows read, and the optimiser's --l2.
// Scores are the logits y (the sigmoid would not change a ranking).
//
// --model neumf: GMF of d = --dim factors beside an MLP tower of --mlp-layers widths;
//         gmf:   GMF alone (--dim);   mlp: the MLP tower alone (--mlp-layers).
// Tables, in order:
//   users  per user  width g + e     [p_g, p_m]: GMF factors g (--dim, 0 for mlp), MLP embedding
//                                    e = widths[0] / 2 (0 for gmf); N(0, init_std^2)
//   items  servers   width g + e + 1 [q_g, q_m, b]: b stays 0 (NeuMF has one output bias h_0,
//                                    not one per item); N(0, init_std^2)
//   tower  servers   width 64        theta of tower.h as models/flat_table.h keeps it; every step
//                                    reads all (dense)
// --pretrained GMF.h5,MLP.h5 (neumf): NCF's pretraining, rows and tower from a trained gmf and
// mlp model of the same dataset (neumf.cc: LoadPretrained says how they combine).
// ModelShape: personas 1, dim g + e, size tower: the widths (absent for gmf); g is
// dim - e, so the shape alone says which of the three a file holds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/model.h"
#include "models/model_info.h"
#include "models/neumf/neumf_options.h"
#include "models/neumf/tower.h"
#include "options/config.h"

namespace ampcf {

class NeuMf : public Model {
 public:
  // config.model: "neumf", "gmf" or "mlp"; UserError naming --mlp-layers when its first width is odd.
  NeuMf(const TrainConfig& config, std::int64_t n_items);
  explicit NeuMf(const ModelShape& shape);

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

  const TowerLayout& layout() const { return layout_; }

 private:
  std::string name_;
  ModelShape shape_;
  TowerLayout layout_;
  double l2_example_ = 0, l2_user_factor_ = 1;
  std::vector<TableSpec> tables_;
  // Per instance (positive or negative): GMF product, MLP input, and their gradients.
  RowMatrixXf G_, X_, dG_, dX_;
  Eigen::VectorXf logits_, dlogits_;
  TowerPass pass_;
  RowMatrixXf user_gradients_, item_gradients_;
  AlignedVector<float> tower_gradients_;
};

// --model neumf, gmf and mlp.
ModelInfo NeuMfInfo();
ModelInfo GmfInfo();
ModelInfo MlpInfo();

}  // namespace ampcf
