// ConvNCF (He et al. 2018) as a model of the machinery (models/model.h); the network is
// models/convncf/outer_conv.h. Trained as its paper does, with the BPR loss: per positive and
// each of its |N| negatives, -log sigmoid(y_pos - y_neg), averaged over the negatives; plus
// --l2-example's per-positive L2 on the user and item rows read, and the optimiser's --l2.
// The paper's network: d = 64, 6 layers of 32 channels (kChannels; the layer count is log2 d).
//
// Tables, in order:
//   users  per user  width d      p; N(0, init_std^2)
//   items  servers   width d + 1  [q, b]: b stays 0 (BPR is blind to an item-free shift, and
//                                 ConvNCF has no item bias); N(0, init_std^2)
//   conv   servers   width 64     theta of outer_conv.h as models/flat_table.h keeps it; every
//                                 step reads all (dense)
// --pretrained BPR.h5: p and q start from a trained bpr-mf model of the same dataset and d, as
// the paper pretrains its embeddings with MF-BPR.
// ModelShape: personas 1, dim d, size tower: the channels per layer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/convncf/outer_conv.h"
#include "models/model.h"
#include "models/model_info.h"
#include "options/config.h"

namespace ampcf {

class ConvNcf : public Model {
 public:
  // UserError naming --dim when d is not a power of two >= 2.
  ConvNcf(const TrainConfig& config, std::int64_t n_items);
  explicit ConvNcf(const ModelShape& shape);

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

  static constexpr int kChannels = 32;
  // Positives whose instances go through the network together (bounds the activations' memory:
  // layer 1 holds 1 + |N| instances x (d/2)^2 pixels x kChannels floats per positive).
  static constexpr int kChunk = 16;
  const ConvLayout& layout() const { return layout_; }

 private:
  std::string name_ = "convncf";
  ModelShape shape_;
  ConvLayout layout_;
  double l2_example_ = 0, l2_user_factor_ = 1;
  std::vector<TableSpec> tables_;
  RowMatrixXf P_, Q_, dP_, dQ_;
  Eigen::VectorXf logits_, dlogits_;
  OuterConvPass pass_;
  RowMatrixXf user_gradients_, item_gradients_;
  AlignedVector<float> conv_gradients_;
};

// --model convncf.
ModelInfo ConvNcfInfo();

}  // namespace ampcf
