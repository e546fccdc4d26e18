#include "models/deepicf/deepicf.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/int_list.h"
#include "core/rng.h"
#include "models/flat_table.h"
#include "models/logistic.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// Row initialisation and sampling streams (core/rng.h).
constexpr std::uint64_t kItemStream = 41, kHistoryStream = 42, kNetworkStream = 43, kSampleStream = 44;
// Server table indices (the order of tables_ after "users").
constexpr int kItems = 0, kHistory = 1, kNetwork = 2;
// Dense ids are stored in float user rows: exact below 2^24.
constexpr std::int64_t kMaxItems = std::int64_t{1} << 24;

ModelShape ShapeOf(const TrainConfig& config, std::int64_t n_items) {
  if (config.model != "fism" && config.model != "deepicf")
    throw UserError(Cat("--model ", config.model, ": not an item-based model (fism, deepicf)"));
  if (n_items >= kMaxItems)
    throw UserError(Cat("--model ", config.model, ": the catalogue has ", n_items,
                        " items; item-based models keep a user's items as floats, exact below 2^24"));
  ModelShape shape;
  shape.personas = 1;
  shape.dim = config.dim;
  shape.user_columns = FismOptions::From(config.model_options).history_items;
  if (config.model == "deepicf") {
    const DeepIcfOptions options = DeepIcfOptions::From(config.model_options);
    shape.SetSize("att_dim", options.att_dim);
    const int d = config.dim;
    const auto widths = options.mlp_layers.empty()
                            ? std::optional<std::vector<int>>({d, std::max(1, d / 2), std::max(1, d / 4)})
                            : ParsePositiveIntList(options.mlp_layers);
    if (!widths || (*widths)[0] != d)
      throw UserError(Cat("--mlp-layers ", options.mlp_layers, ": deepicf's tower starts at the pooled vector, so its ",
                          "first width is --dim ", d));
    shape.SetWidths("tower", *widths);
  }
  return shape;
}

std::optional<TowerLayout> TowerOf(const ModelShape& shape) {
  if (shape.Size("att_dim") == 0) return std::nullopt;
  return TowerLayout(0, shape.Widths("tower"));
}

// The model file's arrays of the network: attention/W (a x d), attention/b, attention/w (1 x a),
// then the tower's (TowerBlocks).
std::vector<FlatBlock> NetworkBlocks(const AttentionLayout& attention, const TowerLayout& tower) {
  std::vector<FlatBlock> blocks = {{"attention/W", attention.factor, attention.dim, attention.weights},
                                   {"attention/b", 1, attention.factor, attention.bias},
                                   {"attention/w", 1, attention.factor, attention.output}};
  for (FlatBlock& block : TowerBlocks(tower, attention.end)) blocks.push_back(std::move(block));
  return blocks;
}

// The network's initial theta: W Glorot (2 / (a + d)), b 0, w 1 (NAIS: the attention starts
// near uniform), the tower as NCF initialises it (TowerLayout::InitStd).
std::vector<float> InitialNetwork(const AttentionLayout& attention, const TowerLayout& tower, std::uint64_t seed) {
  std::vector<float> theta(attention.end + tower.size, 0.0f);
  const std::size_t n = theta.size();
  std::vector<float> normal(n);
  FillNormal(normal.data(), static_cast<int>(n), 1.0, seed, kNetworkStream, 0);
  const double w_std = std::sqrt(2.0 / (attention.factor + attention.dim));
  for (std::size_t i = attention.weights; i < attention.bias; ++i) theta[i] = static_cast<float>(normal[i] * w_std);
  for (std::size_t i = attention.output; i < attention.end; ++i) theta[i] = 1.0f;
  for (std::size_t i = 0; i < tower.size; ++i)
    theta[attention.end + i] = static_cast<float>(normal[attention.end + i] * tower.InitStd(i));
  return theta;
}

// The sorted, unique ids of the batch users' histories.
void HistoryKeys(const Batch& batch, const float* user_rows, int width, std::vector<std::int32_t>& keys) {
  keys.clear();
  std::vector<std::int32_t> ids;
  for (std::size_t slot = 0; slot < batch.users.size(); ++slot) {
    HistoryOf(user_rows + slot * width, width, ids);
    keys.insert(keys.end(), ids.begin(), ids.end());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

// Scores a user's items from the whole sample (no item left out: scored items are never in it).
class HistoryScorer : public Scorer {
 public:
  HistoryScorer(const DeepIcf& model, const float* items, const float* history, const float* network,
                std::int32_t n_items)
      : model_(model), items_(items), history_(history), network_(network), n_items_(n_items) {}

  void Score(const float* user_row, const std::vector<std::int32_t>& candidates, std::vector<float>& scores,
             std::vector<float>* attention) const override {
    const ModelShape& shape = model_.shape();
    const int d = shape.dim, width = shape.item_width();
    const bool all = candidates.empty();
    const Eigen::Index n = all ? n_items_ : static_cast<Eigen::Index>(candidates.size());
    const auto item = [&](Eigen::Index c) { return all ? static_cast<std::int32_t>(c) : candidates[c]; };
    HistoryOf(user_row, shape.user_columns, ids_);
    Q_.resize(static_cast<Eigen::Index>(ids_.size()), d);
    for (std::size_t h = 0; h < ids_.size(); ++h)
      Q_.row(static_cast<Eigen::Index>(h)) = Eigen::Map<const Eigen::RowVectorXf>(history_ + std::size_t(ids_[h]) * d, d);
    scores.resize(n);
    if (!model_.attention()) {
      const Eigen::RowVectorXf e = Q_.colwise().sum() * FismScale(Q_.rows());
      for (Eigen::Index c = 0; c < n; ++c) {
        const float* row = items_ + std::size_t(item(c)) * width;
        scores[c] = Eigen::Map<const Eigen::RowVectorXf>(row, d).dot(e) + row[d];
      }
    } else {
      X_.resize(n, d);
      for (Eigen::Index c = 0; c < n; ++c)
        pool_.Forward(model_.attention_layout(), network_, Q_,
                      Eigen::Map<const Eigen::RowVectorXf>(items_ + std::size_t(item(c)) * width, d), X_.row(c));
      Eigen::VectorXf logits;
      pass_.Forward(model_.tower_layout(), network_ + model_.attention_layout().end, RowMatrixXf(n, 0), X_, logits);
      for (Eigen::Index c = 0; c < n; ++c) scores[c] = logits[c] + items_[std::size_t(item(c)) * width + d];
    }
    if (attention != nullptr) attention->assign(n, 1.0f);
  }
  std::vector<std::pair<std::int32_t, float>> Because(const float* user_row, std::int32_t item,
                                                      int top) const override {
    const ModelShape& shape = model_.shape();
    const int d = shape.dim;
    HistoryOf(user_row, shape.user_columns, ids_);
    Q_.resize(static_cast<Eigen::Index>(ids_.size()), d);
    for (std::size_t h = 0; h < ids_.size(); ++h)
      Q_.row(static_cast<Eigen::Index>(h)) = Eigen::Map<const Eigen::RowVectorXf>(history_ + std::size_t(ids_[h]) * d, d);
    const Eigen::Map<const Eigen::RowVectorXf> p(items_ + std::size_t(item) * shape.item_width(), d);
    Eigen::VectorXf share;
    if (model_.attention()) {
      Eigen::RowVectorXf e(d);
      pool_.Forward(model_.attention_layout(), network_, Q_, p, e);
      share = pool_.weights();
    } else {
      share = (Q_ * p.transpose()) * FismScale(Q_.rows());
    }
    std::vector<std::pair<std::int32_t, float>> out;
    for (std::size_t h = 0; h < ids_.size(); ++h) out.emplace_back(ids_[h], share[static_cast<Eigen::Index>(h)]);
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(top, 0)), out.size());
    std::partial_sort(out.begin(), out.begin() + k, out.end(),
                      [](const auto& a, const auto& b) { return a.second > b.second || (a.second == b.second && a.first < b.first); });
    out.resize(k);
    return out;
  }
  std::int32_t n_items() const override { return n_items_; }
  int personas() const override { return 1; }
  int dim() const override { return model_.shape().user_columns; }  // a user row's width

 private:
  const DeepIcf& model_;
  const float* items_;
  const float* history_;
  const float* network_;
  std::int32_t n_items_;
  // Scratch: a scorer is used by one thread.
  mutable std::vector<std::int32_t> ids_;
  mutable RowMatrixXf Q_, X_;
  mutable AttentionPool pool_;
  mutable TowerPass pass_;
};

}  // namespace

void SampleHistory(std::int64_t user, std::span<const std::int32_t> items, int width, std::uint64_t seed, float* row) {
  std::vector<std::int32_t> chosen(items.begin(), items.end());
  if (static_cast<int>(chosen.size()) > width) {
    Rng rng(MixSeed(seed, kSampleStream, static_cast<std::uint64_t>(user)));
    for (int k = 0; k < width; ++k)  // a partial Fisher-Yates shuffle
      std::swap(chosen[k], chosen[k + UniformIndex(rng, chosen.size() - k)]);
    chosen.resize(width);
    std::sort(chosen.begin(), chosen.end());
  }
  for (int k = 0; k < width; ++k) row[k] = k < static_cast<int>(chosen.size()) ? static_cast<float>(chosen[k]) : -1.0f;
}

void HistoryOf(const float* row, int width, std::vector<std::int32_t>& items) {
  items.clear();
  for (int k = 0; k < width && row[k] >= 0; ++k) items.push_back(static_cast<std::int32_t>(row[k]));
}

DeepIcf::DeepIcf(const ModelShape& shape)
    : name_(shape.Size("att_dim") > 0 ? "deepicf" : "fism"),
      shape_(shape),
      attention_(shape.dim, shape.Size("att_dim"), 0),
      tower_(TowerOf(shape)) {}

DeepIcf::DeepIcf(const TrainConfig& config, std::int64_t n_items) : DeepIcf(ShapeOf(config, n_items)) {
  const int d = shape_.dim, L = shape_.user_columns;
  const double init_std = config.init_std;
  const std::uint64_t seed = config.seed;
  const RowInitialiser no_items = [L](std::int64_t, float* row) { std::fill_n(row, L, -1.0f); };
  const UserRowFromItems from_items = [L, seed](std::int64_t user, std::span<const std::int32_t> items, float* row) {
    SampleHistory(user, items, L, seed, row);
  };
  RowInitialiser init_item = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kItemStream, static_cast<std::uint64_t>(item));  // b starts at 0
  };
  RowInitialiser init_history = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kHistoryStream, static_cast<std::uint64_t>(item));
  };
  if (!PretrainedPaths(config).empty()) {
    if (!attention()) throw UserError("--pretrained: fism starts from random rows");
    const std::string path = PretrainedPaths(config)[0];
    auto fism = std::make_shared<const ModelData>(LoadModel(path));
    if (fism->model != "fism") throw UserError(Cat("--pretrained ", path, ": a ", fism->model, " model; give a fism model"));
    if (fism->shape.dim != d)
      throw UserError(Cat("--pretrained ", path, ": has --dim ", fism->shape.dim, "; this run has --dim ", d));
    if (static_cast<std::int64_t>(fism->item_ids.size()) != n_items)
      throw UserError(Cat("--pretrained ", path, ": has ", fism->item_ids.size(), " items; this dataset has ", n_items));
    auto rows = std::make_shared<const std::vector<std::vector<float>>>(DeepIcf(fism->shape).ImportTables(*fism, path));
    init_item = [rows, d](std::int64_t item, float* row) {
      std::copy_n(&(*rows)[kItems][static_cast<std::size_t>(item) * (d + 1)], d + 1, row);
    };
    init_history = [rows, d](std::int64_t item, float* row) {
      std::copy_n(&(*rows)[kHistory][static_cast<std::size_t>(item) * d], d, row);
    };
  }
  const AdamConfig adam = MakeAdam(config);
  tables_ = {{"users", Placement::kPerUser, 0, L, no_items, adam, false, from_items},
             {"items", Placement::kOnServers, n_items, shape_.item_width(), init_item, adam},
             {"context", Placement::kOnServers, n_items, d, init_history, adam}};
  if (attention()) {
    auto theta = std::make_shared<const std::vector<float>>(InitialNetwork(attention_, *tower_, seed));
    tables_.push_back({"network", Placement::kOnServers, FlatRows(network_size()), kFlatRowWidth, FlatCopyInit(theta),
                       adam, /*dense=*/true});
    network_gradients_.resize(static_cast<std::size_t>(FlatRows(network_size())) * kFlatRowWidth);
  }
}

void DeepIcf::RowsRead(const Batch& batch, const float* user_rows, std::vector<std::vector<std::int32_t>>& keys) const {
  keys.resize(attention() ? 3 : 2);
  keys[kItems] = batch.items;
  HistoryKeys(batch, user_rows, shape_.user_columns, keys[kHistory]);
  if (attention()) DenseTableKeys(batch, FlatRows(network_size()), keys[kNetwork]);
}

void DeepIcf::HistoryRows(const Batch& batch, const float* user_rows, const std::vector<std::int32_t>& keys) {
  const int L = shape_.user_columns;
  ids_.assign(batch.users.size() * L, -1);
  slot_rows_.assign(batch.users.size() * L, -1);
  std::vector<std::int32_t> ids;
  for (std::size_t slot = 0; slot < batch.users.size(); ++slot) {
    HistoryOf(user_rows + slot * L, L, ids);
    for (std::size_t k = 0; k < ids.size(); ++k) {
      ids_[slot * L + k] = ids[k];
      slot_rows_[slot * L + k] =
          static_cast<std::int32_t>(std::lower_bound(keys.begin(), keys.end(), ids[k]) - keys.begin());
    }
  }
}

std::span<const std::int32_t> DeepIcf::SlotIds(std::size_t slot) const {
  const int L = shape_.user_columns;
  const auto first = ids_.begin() + static_cast<std::ptrdiff_t>(slot * L);
  return {first, static_cast<std::size_t>(std::find(first, first + L, -1) - first)};
}

std::int32_t DeepIcf::HistoryRowOf(std::size_t slot, std::int32_t item) const {
  const std::span<const std::int32_t> ids = SlotIds(slot);
  const auto found = std::lower_bound(ids.begin(), ids.end(), item);  // a user row is ascending
  if (found == ids.end() || *found != item) return -1;
  return slot_rows_[slot * shape_.user_columns + static_cast<std::size_t>(found - ids.begin())];
}

void DeepIcf::GatherHistory(std::size_t slot, std::int32_t item, const float* history) {
  const int d = shape_.dim;
  rows_.clear();
  const std::span<const std::int32_t> ids = SlotIds(slot);
  for (std::size_t k = 0; k < ids.size(); ++k)
    if (ids[k] != item) rows_.push_back(slot_rows_[slot * shape_.user_columns + k]);
  Q_.resize(static_cast<Eigen::Index>(rows_.size()), d);
  for (std::size_t h = 0; h < rows_.size(); ++h)
    Q_.row(static_cast<Eigen::Index>(h)) = Eigen::Map<const Eigen::RowVectorXf>(history + std::size_t(rows_[h]) * d, d);
}

BatchStats DeepIcf::ForwardBackward(const Batch& batch, const float* user_rows,
                                    const std::vector<const float*>& server_rows, const float*& user_gradients,
                                    std::vector<const float*>& server_gradients) {
  const int d = shape_.dim, width = shape_.item_width(), C = batch.candidates, n_pairs = batch.size();
  const Eigen::Index n = static_cast<Eigen::Index>(n_pairs) * C;
  HistoryKeys(batch, user_rows, shape_.user_columns, keys_);
  Eigen::Map<const RowMatrixXf> items(server_rows[kItems], static_cast<Eigen::Index>(batch.items.size()), width);
  user_gradients_.setZero(static_cast<Eigen::Index>(batch.users.size()), shape_.user_columns);
  item_gradients_.setZero(items.rows(), width);
  history_gradients_.setZero(static_cast<Eigen::Index>(keys_.size()), d);
  std::fill(network_gradients_.begin(), network_gradients_.end(), 0.0f);
  user_gradients = user_gradients_.data();
  server_gradients = {item_gradients_.data(), history_gradients_.data()};
  if (attention()) server_gradients.push_back(network_gradients_.data());
  BatchStats stats;
  if (n_pairs == 0) return stats;
  HistoryRows(batch, user_rows, keys_);
  const Instances instances{batch, items, server_rows[kHistory], attention() ? server_rows[kNetwork] : nullptr};

  logits_.resize(n);
  if (attention())
    AttentionForward(instances);
  else
    FismForward(instances);
  const double weight = batch.gradient_scale / n_pairs;
  dlogits_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double y = logits_[i] + items(instances.item_slot(i), d), label = i % C == 0 ? 1.0 : 0.0;
    stats.sampled_nll += Softplus(y) - label * y;
    dlogits_[i] = static_cast<float>((Sigmoid(y) - label) * weight);
    item_gradients_(instances.item_slot(i), d) += dlogits_[i];
  }
  if (attention())
    AttentionBackward(instances);
  else
    FismBackward(instances);
  stats.loss = stats.sampled_nll / n_pairs;
  stats.sampled_nll /= n_pairs;
  return stats;
}

// FISM pools each user slot's history once (sums_), and an instance whose target is in the
// history takes that item's row out again (fism_left_out_) with the normaliser of m - 1.
void DeepIcf::FismForward(const Instances& in) {
  const int d = shape_.dim;
  const std::size_t n_slots = in.batch.users.size();
  sums_.setZero(static_cast<Eigen::Index>(n_slots), d);
  for (std::size_t slot = 0; slot < n_slots; ++slot)
    for (std::size_t k = 0; k < SlotIds(slot).size(); ++k)
      sums_.row(static_cast<Eigen::Index>(slot)) += in.history_row(slot_rows_[slot * shape_.user_columns + k]);
  const Eigen::Index n = logits_.size();
  fism_left_out_.resize(static_cast<std::size_t>(n));
  fism_scale_.resize(n);
  E_.resize(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::size_t slot = in.slot(i);
    const std::int32_t left_out = HistoryRowOf(slot, in.batch.items[in.item_slot(i)]);
    const auto m = static_cast<std::int64_t>(SlotIds(slot).size()) - (left_out >= 0 ? 1 : 0);
    fism_left_out_[i] = left_out;
    fism_scale_[i] = FismScale(m);
    E_.row(i) = sums_.row(static_cast<Eigen::Index>(slot));
    if (left_out >= 0) E_.row(i) -= in.history_row(left_out);
    E_.row(i) *= fism_scale_[i];
    logits_[i] = in.target(i).dot(E_.row(i));
  }
}

void DeepIcf::FismBackward(const Instances& in) {
  const int d = shape_.dim;
  // Per slot, the sum over its instances of dL/d(sum_h q_h); every history row of the slot gets it.
  sums_.setZero(static_cast<Eigen::Index>(in.batch.users.size()), d);
  for (Eigen::Index i = 0; i < logits_.size(); ++i) {
    item_gradients_.row(in.item_slot(i)).head(d) += dlogits_[i] * E_.row(i);
    const Eigen::RowVectorXf de = (dlogits_[i] * fism_scale_[i]) * in.target(i);
    sums_.row(static_cast<Eigen::Index>(in.slot(i))) += de;
    if (fism_left_out_[i] >= 0) history_gradients_.row(fism_left_out_[i]) -= de;
  }
  for (std::size_t slot = 0; slot < in.batch.users.size(); ++slot)
    for (std::size_t k = 0; k < SlotIds(slot).size(); ++k)
      history_gradients_.row(slot_rows_[slot * shape_.user_columns + k]) += sums_.row(static_cast<Eigen::Index>(slot));
}

// DeepICF+a pools per instance (the attention depends on the target) and keeps each instance's
// intermediates (pools_) for the backward pass.
void DeepIcf::AttentionForward(const Instances& in) {
  const Eigen::Index n = logits_.size();
  if (pools_.size() < static_cast<std::size_t>(n)) pools_.resize(static_cast<std::size_t>(n));
  E_.resize(n, shape_.dim);
  for (Eigen::Index i = 0; i < n; ++i) {
    GatherHistory(in.slot(i), in.batch.items[in.item_slot(i)], in.history);
    pools_[i].Forward(attention_, in.network, Q_, in.target(i), E_.row(i));
  }
  pass_.Forward(*tower_, in.network + tower_offset(), RowMatrixXf(n, 0), E_, logits_);
}

void DeepIcf::AttentionBackward(const Instances& in) {
  const int d = shape_.dim;
  pass_.Backward(*tower_, in.network + tower_offset(), dlogits_, dG_, dX_, network_gradients_.data() + tower_offset());
  for (Eigen::Index i = 0; i < logits_.size(); ++i) {
    GatherHistory(in.slot(i), in.batch.items[in.item_slot(i)], in.history);
    dQ_.setZero(Q_.rows(), d);
    dp_.setZero(d);
    pools_[i].Backward(attention_, in.network, Q_, in.target(i), dX_.row(i), dQ_, dp_, network_gradients_.data());
    item_gradients_.row(in.item_slot(i)).head(d) += dp_;
    for (std::size_t h = 0; h < rows_.size(); ++h) history_gradients_.row(rows_[h]) += dQ_.row(static_cast<Eigen::Index>(h));
  }
}

std::unique_ptr<Scorer> DeepIcf::MakeScorer(const std::vector<const float*>& server_tables,
                                            std::int32_t n_items) const {
  return std::make_unique<HistoryScorer>(*this, server_tables[kItems], server_tables[kHistory],
                                         attention() ? server_tables[kNetwork] : nullptr, n_items);
}

void DeepIcf::ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const {
  const auto n_items = static_cast<std::int64_t>(model.item_ids.size());
  model.model = name_;
  model.shape = shape_;
  model.items.assign(server_tables[kItems], server_tables[kItems] + n_items * shape_.item_width());
  model.dense.clear();
  model.dense.push_back({"context/q", n_items, shape_.dim,
                         std::vector<float>(server_tables[kHistory], server_tables[kHistory] + n_items * shape_.dim)});
  if (attention()) ExportFlat(server_tables[kNetwork], NetworkBlocks(attention_, *tower_), model.dense);
}

std::vector<std::vector<float>> DeepIcf::ImportTables(const ModelData& model, const std::string& path) const {
  const auto n_items = static_cast<std::int64_t>(model.item_ids.size());
  std::vector<std::vector<float>> tables = {model.items, FindDense(model, "context/q", n_items, shape_.dim, path).values};
  if (attention()) tables.push_back(ImportFlat(model, NetworkBlocks(attention_, *tower_), network_size(), path));
  return tables;
}

ModelInfo FismInfo() {
  return MakeModelInfo<DeepIcf>("fism", "FISM: item-based, a user is the mean of their items' context vectors",
                                FismOptions::Specs(), NcfRecipe());
}

ModelInfo DeepIcfInfo() {
  return MakeModelInfo<DeepIcf>("deepicf", "DeepICF+a (Xue et al. 2019): FISM with attention over the history and a tower, "
                                "pretrained from fism", DeepIcfOptions::Specs(), NcfRecipe(), {"fism"});
}

}  // namespace ampcf
