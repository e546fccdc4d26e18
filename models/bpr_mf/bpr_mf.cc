#include "models/bpr_mf/bpr_mf.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "models/example_l2.h"
#include "models/logistic.h"

namespace ampcf {

namespace {

constexpr std::uint64_t kUserStream = 11, kItemStream = 12;  // core/rng.h: FillNormal


class BprScorer : public Scorer {
 public:
  BprScorer(int dim, const float* items, std::int32_t n_items) : dim_(dim), items_(items), n_items_(n_items) {}
  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention) const override {
    const int width = dim_ + 1;
    const bool all = candidates.empty();
    const std::int32_t n = all ? n_items_ : static_cast<std::int32_t>(candidates.size());
    Eigen::Map<const Eigen::VectorXf> u(user_row, dim_);
    scores.resize(n);
    if (all) {
      Eigen::Map<const RowMatrixXf, 0, Eigen::OuterStride<>> V(items_, n_items_, dim_, Eigen::OuterStride<>(width));
      Eigen::Map<Eigen::VectorXf>(scores.data(), n).noalias() = V * u;
    }
    for (std::int32_t c = 0; c < n; ++c) {
      const float* v = items_ + static_cast<std::size_t>(all ? c : candidates[c]) * width;
      if (!all) scores[c] = Eigen::Map<const Eigen::VectorXf>(v, dim_).dot(u);
      scores[c] += v[dim_];
    }
    if (attention != nullptr) attention->assign(n, 1.0f);
  }
  // One GEMM for the block, then the biases.
  void ScoreBlock(const float* user_rows, int n_users, std::vector<float>& scores) const override {
    const Eigen::Index n = n_items_;
    Eigen::Map<const RowMatrixXf> U(user_rows, n_users, dim_);
    Eigen::Map<const RowMatrixXf, 0, Eigen::OuterStride<>> V(items_, n, dim_, Eigen::OuterStride<>(dim_ + 1));
    Eigen::Map<const Eigen::RowVectorXf, 0, Eigen::InnerStride<>> bias(items_ + dim_, n, Eigen::InnerStride<>(dim_ + 1));
    scores.resize(static_cast<std::size_t>(n_users) * n);
    Eigen::Map<RowMatrixXf> Y(scores.data(), n_users, n);
    Y.noalias() = U * V.transpose();
    Y.rowwise() += bias;
  }
  // u . v_j + b_j = [u, 1] . [v_j, b_j] (models/model.h).
  int InnerProductWidth() const override { return dim_ + 1; }
  void InnerProductItem(std::int32_t item, float* out) const override {
    std::copy_n(items_ + static_cast<std::size_t>(item) * (dim_ + 1), dim_ + 1, out);
  }
  int InnerProductQueries(const float* user_row, std::vector<float>& queries) const override {
    queries.assign(user_row, user_row + dim_);
    queries.push_back(1.0f);
    return 1;
  }
  std::int32_t n_items() const override { return n_items_; }
  int personas() const override { return 1; }
  int dim() const override { return dim_; }

 private:
  int dim_;
  const float* items_;
  std::int32_t n_items_;
};

}  // namespace

BprMf::BprMf(const ModelShape& shape) : shape_(shape) {}

BprMf::BprMf(const TrainConfig& config, std::int64_t n_items)
    : l2_example_(config.l2_example), l2_user_factor_(config.l2_user_factor) {
  shape_.personas = 1;
  shape_.dim = config.dim;
  const int d = config.dim;
  const double init_std = config.init_std;
  const std::uint64_t seed = config.seed;
  auto init_user = [=](std::int64_t user, float* row) {
    FillNormal(row, d, init_std, seed, kUserStream, static_cast<std::uint64_t>(user));
  };
  auto init_item = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kItemStream, static_cast<std::uint64_t>(item));  // the bias stays 0
  };
  const AdamConfig adam = MakeAdam(config);
  tables_ = {{"users", Placement::kPerUser, 0, d, init_user, adam},
             {"items", Placement::kOnServers, n_items, d + 1, init_item, adam}};
}

void BprMf::RowsRead(const Batch& batch, const float* /*user_rows*/, std::vector<std::vector<std::int32_t>>& keys) const {
  keys.resize(1);
  keys[0] = batch.items;
}

BatchStats BprMf::ForwardBackward(const Batch& batch, const float* user_rows,
                                  const std::vector<const float*>& server_rows, const float*& user_gradients,
                                  std::vector<const float*>& server_gradients) {
  const int d = shape_.dim, width = d + 1, C = batch.candidates, n_negatives = C - 1;
  const int n_pairs = batch.size();
  AMPCF_ASSERT(n_negatives >= 1, "BPR needs a negative per positive");
  Eigen::Map<const RowMatrixXf> U(user_rows, static_cast<Eigen::Index>(batch.users.size()), d);
  Eigen::Map<const RowMatrixXf> items(server_rows[0], static_cast<Eigen::Index>(batch.items.size()), width);
  user_gradients_.setZero(U.rows(), d);
  item_gradients_.setZero(items.rows(), width);
  const double weight = batch.gradient_scale / std::max(n_pairs, 1);
  BatchStats stats;
  for (int b = 0; b < n_pairs; ++b) {
    const int user = batch.user[b];
    const int positive = batch.item[static_cast<std::size_t>(b) * C];
    auto u = U.row(user);
    const double y_positive = u.dot(items.row(positive).head(d)) + items(positive, d);
    for (int c = 1; c < C; ++c) {
      const int negative = batch.item[static_cast<std::size_t>(b) * C + c];
      const double margin = y_positive - (u.dot(items.row(negative).head(d)) + items(negative, d));
      stats.sampled_nll += Softplus(-margin) / n_negatives;
      // d/dmargin of -log sigmoid(margin) is -sigmoid(-margin).
      const float g = static_cast<float>(-Sigmoid(-margin) / n_negatives * weight);
      user_gradients_.row(user) += g * (items.row(positive).head(d) - items.row(negative).head(d));
      item_gradients_.row(positive).head(d) += g * u;
      item_gradients_(positive, d) += g;
      item_gradients_.row(negative).head(d) -= g * u;
      item_gradients_(negative, d) -= g;
    }
  }
  // The item bias is a parameter of BPR-MF: its L2 covers the whole item row.
  if (l2_example_ > 0)
    stats.loss +=
        AddExampleL2(batch, U, items, width, l2_example_, l2_user_factor_, weight, user_gradients_, item_gradients_);
  stats.loss += stats.sampled_nll;
  const double per_positive = 1.0 / std::max(n_pairs, 1);
  stats.loss *= per_positive;
  stats.sampled_nll *= per_positive;
  user_gradients = user_gradients_.data();
  server_gradients = {item_gradients_.data()};
  return stats;
}

std::unique_ptr<Scorer> BprMf::MakeScorer(const std::vector<const float*>& server_tables, std::int32_t n_items) const {
  return std::make_unique<BprScorer>(shape_.dim, server_tables[0], n_items);
}

void BprMf::ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const {
  model.model = name_;
  model.shape = shape_;
  model.items.assign(server_tables[0], server_tables[0] + model.item_ids.size() * shape_.item_width());
  model.dense.clear();
}

std::vector<std::vector<float>> BprMf::ImportTables(const ModelData& model, const std::string& path) const {
  return {model.items};
}

ModelInfo BprMfInfo() {
  const OptionDefaults recipe = NcfRecipe();
  return MakeModelInfo<BprMf>("bpr-mf", "BPR-MF (Rendle et al. 2009): matrix factorisation under the pairwise BPR loss", {}, recipe, {});
}

}  // namespace ampcf
