#include "models/neumf/neumf.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/error.h"
#include "core/int_list.h"
#include "core/rng.h"
#include "models/example_l2.h"
#include "models/flat_table.h"
#include "models/logistic.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// Row initialisation streams (core/rng.h: FillNormal).
constexpr std::uint64_t kUserStream = 21, kItemStream = 22, kTowerStream = 23;
// Server table indices (the order of tables_ after "users").
constexpr int kItems = 0, kTower = 1;

ModelShape ShapeOf(const TrainConfig& config) {
  if (config.model != "neumf" && config.model != "gmf" && config.model != "mlp")
    throw UserError(Cat("--model ", config.model, ": not a NeuMF model (neumf, gmf, mlp)"));
  ModelShape shape;
  shape.personas = 1;
  if (config.model != "gmf") {
    // NCF's tower: input [p_m, q_m] of 4d, halving to d predictive factors.
    const std::string mlp_layers = NeuMfOptions::From(config.model_options).mlp_layers;
    const auto widths = mlp_layers.empty() ? std::optional<std::vector<int>>({4 * config.dim, 2 * config.dim, config.dim})
                                           : ParsePositiveIntList(mlp_layers);
    if (!widths || (*widths)[0] % 2 != 0)
      throw UserError(Cat("--mlp-layers ", mlp_layers,
                          ": the first width is the MLP's input, [p_m, q_m], and must be even"));
    shape.SetWidths("tower", *widths);
  }
  const int gmf_dim = config.model == "mlp" ? 0 : config.dim;
  const std::vector<int> tower = shape.Widths("tower");
  shape.dim = gmf_dim + (tower.empty() ? 0 : tower[0] / 2);
  return shape;
}

int GmfDim(const ModelShape& shape) {
  const std::vector<int> tower = shape.Widths("tower");
  return shape.dim - (tower.empty() ? 0 : tower[0] / 2);
}

std::string NameOf(const TowerLayout& layout) {
  return layout.gmf_dim == 0 ? "mlp" : layout.widths.empty() ? "gmf" : "neumf";
}

// NCF's pretraining: NeuMF starts from a trained GMF and a trained MLP of the same shapes and
// dataset (the command line checks the dataset). Rows are the two models' rows side by side; the
// tower is MLP's; the output layer is h = [a h_GMF, (1 - a) h_MLP], h_0 = a h0_GMF + (1 - a) h0_MLP
// with NCF's a = 0.5. Every rank loads both files whole.
struct Pretrained {
  ModelData gmf, mlp;
  std::vector<float> theta;  // NeuMF's, in its layout
};

std::shared_ptr<const Pretrained> LoadPretrained(const TrainConfig& config, const TowerLayout& layout,
                                                 std::int64_t n_items) {
  const std::vector<std::string> paths = PretrainedPaths(config);
  if (paths.size() != 2) throw UserError(Cat("--pretrained ", config.pretrained, ": give GMF.h5,MLP.h5"));
  auto pretrained = std::make_shared<Pretrained>();
  pretrained->gmf = LoadModel(paths[0]);
  pretrained->mlp = LoadModel(paths[1]);
  const ModelData& gmf = pretrained->gmf;
  const ModelData& mlp = pretrained->mlp;
  const auto refuse = [](const std::string& path, const std::string& why) {
    throw UserError(Cat("--pretrained ", path, ": ", why));
  };
  if (gmf.model != "gmf") refuse(paths[0], Cat("a ", gmf.model, " model; the first file is a gmf model"));
  if (mlp.model != "mlp") refuse(paths[1], Cat("a ", mlp.model, " model; the second file is an mlp model"));
  if (gmf.shape.dim != layout.gmf_dim)
    refuse(paths[0], Cat("has --dim ", gmf.shape.dim, "; this run has --dim ", layout.gmf_dim));
  if (mlp.shape.Widths("tower") != layout.widths)
    refuse(paths[1], Cat("has --mlp-layers ", IntListText(mlp.shape.Widths("tower")), "; this run has --mlp-layers ",
                         IntListText(layout.widths)));
  for (const auto& [model, path] : {std::pair{&gmf, paths[0]}, std::pair{&mlp, paths[1]}})
    if (static_cast<std::int64_t>(model->item_ids.size()) != n_items)
      refuse(path, Cat("has ", model->item_ids.size(), " items; this dataset has ", n_items));
  if (gmf.user_ids != mlp.user_ids) refuse(paths[1], Cat("holds other users than ", paths[0]));
  const std::vector<float> gmf_theta = NeuMf(gmf.shape).ImportTables(gmf, paths[0])[1];
  const std::vector<float> mlp_theta = NeuMf(mlp.shape).ImportTables(mlp, paths[1])[1];
  const TowerLayout gmf_layout(gmf.shape.dim, {}), mlp_layout(0, mlp.shape.Widths("tower"));
  constexpr float kGmfShare = 0.5f;
  std::vector<float>& theta = pretrained->theta;
  theta.assign(mlp_theta.begin(), mlp_theta.begin() + static_cast<std::ptrdiff_t>(layout.output));  // W_l, c_l
  for (int c = 0; c < layout.gmf_dim; ++c) theta.push_back(kGmfShare * gmf_theta[gmf_layout.output + c]);
  for (int c = 0; c < layout.mlp_out(); ++c) theta.push_back((1 - kGmfShare) * mlp_theta[mlp_layout.output + c]);
  theta.push_back(kGmfShare * gmf_theta[gmf_layout.output_bias] + (1 - kGmfShare) * mlp_theta[mlp_layout.output_bias]);
  AMPCF_ASSERT(theta.size() == layout.size);
  return pretrained;
}

// Scores one user's items with the item half of the first layer, q_m W_1's lower rows,
// computed once for every item (n_items x widths[1] floats).
class NeuMfScorer : public Scorer {
 public:
  NeuMfScorer(const ModelShape& shape, const TowerLayout& layout, const float* items, std::int32_t n_items,
              const float* theta)
      : shape_(shape), layout_(layout), items_(items), n_items_(n_items), theta_(theta) {
    if (layout_.layers() == 0) return;
    const int g = layout_.gmf_dim, e = layout_.mlp_dim();
    Eigen::Map<const RowMatrixXf, 0, Eigen::OuterStride<>> Q(items_ + g, n_items_, e,
                                                            Eigen::OuterStride<>(shape_.item_width()));
    Eigen::Map<const RowMatrixXf> W(theta_ + layout_.weights[0], 2 * e, layout_.widths[1]);
    item_first_.noalias() = Q * W.bottomRows(e);
  }

  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention) const override {
    const bool all = candidates.empty();
    const Eigen::Index n = all ? n_items_ : static_cast<Eigen::Index>(candidates.size());
    const int g = layout_.gmf_dim, e = layout_.mlp_dim(), width = shape_.item_width();
    const auto item = [&](Eigen::Index c) { return all ? static_cast<std::int32_t>(c) : candidates[c]; };
    RowMatrixXf G(n, g), X, first;
    Eigen::Map<const Eigen::RowVectorXf> p_g(user_row, g), p_m(user_row + g, e);
    for (Eigen::Index c = 0; c < n; ++c)
      G.row(c) = p_g.cwiseProduct(Eigen::Map<const Eigen::RowVectorXf>(items_ + std::size_t(item(c)) * width, g));
    if (layout_.layers() > 0) {
      Eigen::Map<const RowMatrixXf> W(theta_ + layout_.weights[0], 2 * e, layout_.widths[1]);
      const Eigen::RowVectorXf user_first = p_m * W.topRows(e);
      first.resize(n, layout_.widths[1]);
      for (Eigen::Index c = 0; c < n; ++c) first.row(c) = item_first_.row(item(c)) + user_first;
    } else if (e > 0) {
      X.resize(n, 2 * e);  // the MLP part without hidden layers: a_0 itself feeds h
      for (Eigen::Index c = 0; c < n; ++c) {
        X.row(c).head(e) = p_m;
        X.row(c).tail(e) = Eigen::Map<const Eigen::RowVectorXf>(items_ + std::size_t(item(c)) * width + g, e);
      }
    }
    Eigen::VectorXf logits;
    pass_.Forward(layout_, theta_, G, X, logits, layout_.layers() > 0 ? &first : nullptr);
    scores.assign(logits.data(), logits.data() + n);
    if (attention != nullptr) attention->assign(n, 1.0f);
  }
  std::int32_t n_items() const override { return n_items_; }
  int personas() const override { return 1; }
  int dim() const override { return shape_.dim; }

 private:
  ModelShape shape_;
  TowerLayout layout_;
  const float* items_;
  std::int32_t n_items_;
  const float* theta_;
  RowMatrixXf item_first_;
  mutable TowerPass pass_;  // scratch: a scorer is used by one thread
};

}  // namespace

NeuMf::NeuMf(const ModelShape& shape) : shape_(shape), layout_(GmfDim(shape), shape.Widths("tower")) { name_ = NameOf(layout_); }

NeuMf::NeuMf(const TrainConfig& config, std::int64_t n_items)
    : shape_(ShapeOf(config)),
      layout_(GmfDim(shape_), shape_.Widths("tower")),
      l2_example_(config.l2_example),
      l2_user_factor_(config.l2_user_factor) {
  name_ = NameOf(layout_);
  const int d = shape_.dim;
  const double init_std = config.init_std;
  const std::uint64_t seed = config.seed;
  RowInitialiser init_user = [=](std::int64_t user, float* row) {
    FillNormal(row, d, init_std, seed, kUserStream, static_cast<std::uint64_t>(user));
  };
  RowInitialiser init_item = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kItemStream, static_cast<std::uint64_t>(item));  // b stays 0
  };
  const TowerLayout layout = layout_;
  RowInitialiser init_tower =
      FlatNormalInit(layout.size, [layout](std::size_t i) { return layout.InitStd(i); }, seed, kTowerStream);
  if (!PretrainedPaths(config).empty()) {
    const std::shared_ptr<const Pretrained> from = LoadPretrained(config, layout_, n_items);
    const int g = layout_.gmf_dim, e = layout_.mlp_dim();
    const auto n_users = static_cast<std::int64_t>(from->gmf.user_ids.size());
    init_user = [=](std::int64_t user, float* row) {
      AMPCF_ASSERT(user < n_users, "the pretrained models hold every user of the dataset");
      std::copy_n(&from->gmf.personas[static_cast<std::size_t>(user) * g], g, row);
      std::copy_n(&from->mlp.personas[static_cast<std::size_t>(user) * e], e, row + g);
    };
    init_item = [=](std::int64_t item, float* row) {
      std::copy_n(&from->gmf.items[static_cast<std::size_t>(item) * (g + 1)], g, row);
      std::copy_n(&from->mlp.items[static_cast<std::size_t>(item) * (e + 1)], e, row + g);
    };
    init_tower = FlatCopyInit(std::shared_ptr<const std::vector<float>>(from, &from->theta));
  }
  const AdamConfig adam = MakeAdam(config);
  tables_ = {{"users", Placement::kPerUser, 0, d, init_user, adam},
             {"items", Placement::kOnServers, n_items, shape_.item_width(), init_item, adam},
             {"tower", Placement::kOnServers, FlatRows(layout_.size), kFlatRowWidth, init_tower, adam, /*dense=*/true}};
  tower_gradients_.resize(static_cast<std::size_t>(FlatRows(layout_.size)) * kFlatRowWidth);
}

void NeuMf::RowsRead(const Batch& batch, const float* /*user_rows*/, std::vector<std::vector<std::int32_t>>& keys) const {
  keys.resize(2);
  keys[kItems] = batch.items;
  DenseTableKeys(batch, FlatRows(layout_.size), keys[kTower]);
}

BatchStats NeuMf::ForwardBackward(const Batch& batch, const float* user_rows,
                                  const std::vector<const float*>& server_rows, const float*& user_gradients,
                                  std::vector<const float*>& server_gradients) {
  const int d = shape_.dim, width = shape_.item_width(), g = layout_.gmf_dim, e = layout_.mlp_dim();
  const int C = batch.candidates, n_pairs = batch.size();
  const Eigen::Index n = static_cast<Eigen::Index>(n_pairs) * C;
  Eigen::Map<const RowMatrixXf> U(user_rows, static_cast<Eigen::Index>(batch.users.size()), d);
  Eigen::Map<const RowMatrixXf> items(server_rows[kItems], static_cast<Eigen::Index>(batch.items.size()), width);
  const float* theta = server_rows[kTower];
  user_gradients_.setZero(U.rows(), d);
  item_gradients_.setZero(items.rows(), width);
  std::fill(tower_gradients_.begin(), tower_gradients_.end(), 0.0f);
  user_gradients = user_gradients_.data();
  server_gradients = {item_gradients_.data(), tower_gradients_.data()};
  BatchStats stats;
  if (n_pairs == 0) return stats;

  // Instance i = b * C + c: positive b's user with its candidate c (c = 0: the positive).
  const auto user_of = [&](Eigen::Index i) { return batch.user[i / C]; };
  const auto item_of = [&](Eigen::Index i) { return batch.item[i]; };
  G_.resize(n, g);
  X_.resize(n, 2 * e);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto u = U.row(user_of(i));
    const auto v = items.row(item_of(i));
    if (g > 0) G_.row(i) = u.head(g).cwiseProduct(v.head(g));
    if (e > 0) X_.row(i) << u.segment(g, e), v.segment(g, e);
  }
  pass_.Forward(layout_, theta, G_, X_, logits_);
  const double weight = batch.gradient_scale / n_pairs;
  dlogits_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double y = logits_[i], label = i % C == 0 ? 1.0 : 0.0;
    stats.sampled_nll += Softplus(y) - label * y;
    dlogits_[i] = static_cast<float>((Sigmoid(y) - label) * weight);
  }
  pass_.Backward(layout_, theta, dlogits_, dG_, dX_, tower_gradients_.data());
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto u = U.row(user_of(i));
    const auto v = items.row(item_of(i));
    auto du = user_gradients_.row(user_of(i));
    auto dv = item_gradients_.row(item_of(i));
    if (g > 0) {
      du.head(g) += dG_.row(i).cwiseProduct(v.head(g));
      dv.head(g) += dG_.row(i).cwiseProduct(u.head(g));
    }
    if (e > 0) {
      du.segment(g, e) += dX_.row(i).head(e);
      dv.segment(g, e) += dX_.row(i).tail(e);
    }
  }
  if (l2_example_ > 0)
    stats.loss +=
        AddExampleL2(batch, U, items, d, l2_example_, l2_user_factor_, weight, user_gradients_, item_gradients_);
  stats.loss += stats.sampled_nll;
  stats.loss /= n_pairs;
  stats.sampled_nll /= n_pairs;
  return stats;
}

std::unique_ptr<Scorer> NeuMf::MakeScorer(const std::vector<const float*>& server_tables, std::int32_t n_items) const {
  return std::make_unique<NeuMfScorer>(shape_, layout_, server_tables[kItems], n_items, server_tables[kTower]);
}

void NeuMf::ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const {
  model.model = name_;
  model.shape = shape_;
  model.items.assign(server_tables[kItems], server_tables[kItems] + model.item_ids.size() * shape_.item_width());
  model.dense.clear();
  ExportFlat(server_tables[kTower], TowerBlocks(layout_), model.dense);
}

std::vector<std::vector<float>> NeuMf::ImportTables(const ModelData& model, const std::string& path) const {
  return {model.items, ImportFlat(model, TowerBlocks(layout_), layout_.size, path)};
}

ModelInfo NeuMfInfo() {
  // NCF's pretraining, then a small step: on NCF ML-1M, --lr 1e-4 had the best validation NDCG@10.
  OptionDefaults recipe = NcfRecipe();
  recipe.emplace_back("lr", "1e-4");
  return MakeModelInfo<NeuMf>("neumf", "NeuMF (He et al. 2017): GMF beside an MLP tower, pretrained from gmf and mlp",
                              NeuMfOptions::Specs(), recipe, {"gmf", "mlp"});
}

ModelInfo GmfInfo() { return MakeModelInfo<NeuMf>("gmf", "GMF: NeuMF's generalised matrix factorisation alone", {}, NcfRecipe()); }

ModelInfo MlpInfo() {
  return MakeModelInfo<NeuMf>("mlp", "MLP: NeuMF's tower alone", NeuMfOptions::Specs(), NcfRecipe());
}

}  // namespace ampcf
