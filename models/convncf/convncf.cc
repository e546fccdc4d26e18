#include "models/convncf/convncf.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "models/example_l2.h"
#include "models/flat_table.h"
#include "models/logistic.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// Row initialisation streams (core/rng.h: FillNormal).
constexpr std::uint64_t kUserStream = 31, kItemStream = 32, kConvStream = 33;
// Server table indices (the order of tables_ after "users").
constexpr int kItems = 0, kConv = 1;

// The model file's dense arrays: conv/W1, conv/c1, ... (W_l: 4 C_{l-1} x C_l, c_l: 1 x C_l),
// output/w (1 x C_L).
std::vector<FlatBlock> Blocks(const ConvLayout& layout) {
  std::vector<FlatBlock> blocks;
  for (int l = 1; l <= layout.layers(); ++l) {
    blocks.push_back({Cat("conv/W", l), 4 * layout.in_channels(l), layout.channels[l - 1], layout.weights[l - 1]});
    blocks.push_back({Cat("conv/c", l), 1, layout.channels[l - 1], layout.biases[l - 1]});
  }
  blocks.push_back({"output/w", 1, layout.channels.back(), layout.output});
  return blocks;
}

ModelShape ShapeOf(const TrainConfig& config) {
  if (config.dim < 2 || (config.dim & (config.dim - 1)) != 0)
    throw UserError(Cat("--dim ", config.dim, ": ConvNCF halves the d x d map to 1 x 1, so d is a power of two >= 2"));
  ModelShape shape;
  shape.personas = 1;
  shape.dim = config.dim;
  std::vector<int> channels;
  for (int side = config.dim; side > 1; side /= 2) channels.push_back(ConvNcf::kChannels);
  shape.SetWidths("tower", channels);
  return shape;
}

// Scores in chunks of candidates (the activations of a chunk only).
class ConvNcfScorer : public Scorer {
 public:
  ConvNcfScorer(const ConvLayout& layout, const float* items, std::int32_t n_items, const float* theta)
      : layout_(layout), items_(items), n_items_(n_items), theta_(theta) {}
  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention) const override {
    constexpr Eigen::Index kBlock = 128;
    const bool all = candidates.empty();
    const Eigen::Index n = all ? n_items_ : static_cast<Eigen::Index>(candidates.size());
    const int d = layout_.dim;
    scores.resize(n);
    RowMatrixXf P, Q;
    Eigen::VectorXf logits;
    for (Eigen::Index start = 0; start < n; start += kBlock) {
      const Eigen::Index count = std::min(kBlock, n - start);
      P = Eigen::Map<const Eigen::RowVectorXf>(user_row, d).replicate(count, 1);
      Q.resize(count, d);
      for (Eigen::Index c = 0; c < count; ++c) {
        const std::int32_t item = all ? static_cast<std::int32_t>(start + c) : candidates[start + c];
        Q.row(c) = Eigen::Map<const Eigen::RowVectorXf>(items_ + static_cast<std::size_t>(item) * (d + 1), d);
      }
      pass_.Forward(layout_, theta_, P, Q, logits);
      std::copy_n(logits.data(), count, scores.data() + start);
    }
    if (attention != nullptr) attention->assign(n, 1.0f);
  }
  std::int32_t n_items() const override { return n_items_; }
  int personas() const override { return 1; }
  int dim() const override { return layout_.dim; }

 private:
  ConvLayout layout_;
  const float* items_;
  std::int32_t n_items_;
  const float* theta_;
  mutable OuterConvPass pass_;  // scratch: a scorer is used by one thread
};

}  // namespace

ConvNcf::ConvNcf(const ModelShape& shape) : shape_(shape), layout_(shape.dim, shape.Widths("tower")) {}

ConvNcf::ConvNcf(const TrainConfig& config, std::int64_t n_items)
    : shape_(ShapeOf(config)),
      layout_(shape_.dim, shape_.Widths("tower")),
      l2_example_(config.l2_example),
      l2_user_factor_(config.l2_user_factor) {
  const int d = shape_.dim;
  const double init_std = config.init_std;
  const std::uint64_t seed = config.seed;
  RowInitialiser init_user = [=](std::int64_t user, float* row) {
    FillNormal(row, d, init_std, seed, kUserStream, static_cast<std::uint64_t>(user));
  };
  RowInitialiser init_item = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kItemStream, static_cast<std::uint64_t>(item));  // b stays 0
  };
  if (!PretrainedPaths(config).empty()) {
    const std::string path = PretrainedPaths(config)[0];
    auto from = std::make_shared<const ModelData>(LoadModel(path));
    if (from->model != "bpr-mf") throw UserError(Cat("--pretrained ", path, ": a ", from->model, " model; ConvNCF starts from a bpr-mf model"));
    if (from->shape.dim != d) throw UserError(Cat("--pretrained ", path, ": has --dim ", from->shape.dim, "; this run has --dim ", d));
    if (static_cast<std::int64_t>(from->item_ids.size()) != n_items)
      throw UserError(Cat("--pretrained ", path, ": has ", from->item_ids.size(), " items; this dataset has ", n_items));
    init_user = [=](std::int64_t user, float* row) {
      AMPCF_ASSERT(user < static_cast<std::int64_t>(from->user_ids.size()), "the pretrained model holds every user");
      std::copy_n(&from->personas[static_cast<std::size_t>(user) * d], d, row);
    };
    init_item = [=](std::int64_t item, float* row) {
      std::copy_n(&from->items[static_cast<std::size_t>(item) * (d + 1)], d, row);
    };
  }
  const ConvLayout layout = layout_;
  RowInitialiser init_conv =
      FlatNormalInit(layout.size, [layout](std::size_t i) { return layout.InitStd(i); }, seed, kConvStream);
  const AdamConfig adam = MakeAdam(config);
  tables_ = {{"users", Placement::kPerUser, 0, d, init_user, adam},
             {"items", Placement::kOnServers, n_items, shape_.item_width(), init_item, adam},
             {"conv", Placement::kOnServers, FlatRows(layout_.size), kFlatRowWidth, init_conv, adam, /*dense=*/true}};
  conv_gradients_.resize(static_cast<std::size_t>(FlatRows(layout_.size)) * kFlatRowWidth);
}

void ConvNcf::RowsRead(const Batch& batch, const float* /*user_rows*/, std::vector<std::vector<std::int32_t>>& keys) const {
  keys.resize(2);
  keys[kItems] = batch.items;
  DenseTableKeys(batch, FlatRows(layout_.size), keys[kConv]);
}

BatchStats ConvNcf::ForwardBackward(const Batch& batch, const float* user_rows,
                                    const std::vector<const float*>& server_rows, const float*& user_gradients,
                                    std::vector<const float*>& server_gradients) {
  const int d = shape_.dim, width = shape_.item_width(), C = batch.candidates, n_negatives = C - 1;
  const int n_pairs = batch.size();
  AMPCF_ASSERT(n_negatives >= 1, "BPR needs a negative per positive");
  Eigen::Map<const RowMatrixXf> U(user_rows, static_cast<Eigen::Index>(batch.users.size()), d);
  Eigen::Map<const RowMatrixXf> items(server_rows[kItems], static_cast<Eigen::Index>(batch.items.size()), width);
  const float* theta = server_rows[kConv];
  user_gradients_.setZero(U.rows(), d);
  item_gradients_.setZero(items.rows(), width);
  std::fill(conv_gradients_.begin(), conv_gradients_.end(), 0.0f);
  user_gradients = user_gradients_.data();
  server_gradients = {item_gradients_.data(), conv_gradients_.data()};
  BatchStats stats;
  if (n_pairs == 0) return stats;
  const double weight = batch.gradient_scale / n_pairs;
  for (int first = 0; first < n_pairs; first += kChunk) {
    const int count = std::min(kChunk, n_pairs - first);
    const Eigen::Index n = static_cast<Eigen::Index>(count) * C;
    P_.resize(n, d);
    Q_.resize(n, d);
    for (Eigen::Index i = 0; i < n; ++i) {
      P_.row(i) = U.row(batch.user[first + i / C]);
      Q_.row(i) = items.row(batch.item[static_cast<std::size_t>(first) * C + i]).head(d);
    }
    pass_.Forward(layout_, theta, P_, Q_, logits_);
    dlogits_.setZero(n);
    for (int b = 0; b < count; ++b)
      for (int c = 1; c < C; ++c) {
        const double margin = logits_[b * C] - logits_[b * C + c];
        stats.sampled_nll += Softplus(-margin) / n_negatives;
        // d/dmargin of -log sigmoid(margin) is -sigmoid(-margin).
        const float g = static_cast<float>(-Sigmoid(-margin) / n_negatives * weight);
        dlogits_[b * C] += g;
        dlogits_[b * C + c] -= g;
      }
    pass_.Backward(layout_, theta, dlogits_, dP_, dQ_, conv_gradients_.data());
    for (Eigen::Index i = 0; i < n; ++i) {
      user_gradients_.row(batch.user[first + i / C]) += dP_.row(i);
      item_gradients_.row(batch.item[static_cast<std::size_t>(first) * C + i]).head(d) += dQ_.row(i);
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

std::unique_ptr<Scorer> ConvNcf::MakeScorer(const std::vector<const float*>& server_tables,
                                            std::int32_t n_items) const {
  return std::make_unique<ConvNcfScorer>(layout_, server_tables[kItems], n_items, server_tables[kConv]);
}

void ConvNcf::ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const {
  model.model = name_;
  model.shape = shape_;
  model.items.assign(server_tables[kItems], server_tables[kItems] + model.item_ids.size() * shape_.item_width());
  model.dense.clear();
  ExportFlat(server_tables[kConv], Blocks(layout_), model.dense);
}

std::vector<std::vector<float>> ConvNcf::ImportTables(const ModelData& model, const std::string& path) const {
  return {model.items, ImportFlat(model, Blocks(layout_), layout_.size, path)};
}

ModelInfo ConvNcfInfo() {
  OptionDefaults recipe = NcfRecipe();
  recipe.emplace_back("negatives", "1");  // BPR's pairs, as ConvNCF trains
  return MakeModelInfo<ConvNcf>("convncf", "ConvNCF (He et al. 2018): a CNN over the outer product of user and item, pretrained from bpr-mf", {}, recipe, {"bpr-mf"});
}

}  // namespace ampcf
