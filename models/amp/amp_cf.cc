#include "models/amp/amp_cf.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace ampcf {

namespace {

// Row initialisation streams (core/rng.h: FillNormal).
constexpr std::uint64_t kItemStream = 1, kAttentionStream = 2, kUserStream = 3, kUserBaseStream = 4;
// Server table indices (the order of tables_ after "users").
constexpr int kItems = 0, kAttention = 1;

ModelShape ShapeOf(const TrainConfig& config, const AmpOptions& options) {
  ModelShape shape;
  shape.personas = options.personas;
  shape.dim = config.dim;
  shape.SetSize("att_dim", options.att_dim);
  return shape;
}

}  // namespace

AmpCf::AmpCf(const ModelShape& shape) : shape_(shape) {}

AmpCf::AmpCf(const TrainConfig& config, std::int64_t n_items) : AmpCf(config, AmpOptions::From(config.model_options), n_items) {}

AmpCf::AmpCf(const TrainConfig& config, const AmpOptions& options, std::int64_t n_items)
    : shape_(ShapeOf(config, options)) {
  weights_.alpha = options.alpha;
  weights_.lambda_p = options.lambda_p;
  weights_.lambda_n = options.lambda_n;
  weights_.l2_example = config.l2_example;
  weights_.l2_user_factor = config.l2_user_factor;
  weights_.persona_tie = options.persona_tie;
  weights_.persona_tie_power = options.persona_tie_power;
  weights_.hard_negatives = options.hard_negatives;
  const AdamConfig adam = MakeAdam(config);
  AdamConfig attention_adam = adam;
  attention_adam.lr = static_cast<float>(adam.lr * options.att_lr_scale);
  attention_adam.l2 = static_cast<float>(options.att_l2);
  const int r = shape_.personas, d = shape_.dim, da = shape_.Size("att_dim");
  const std::uint64_t seed = config.seed;

  const double spread = options.persona_spread, init_std = config.init_std;
  const float base_weight = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - spread * spread)));
  auto init_user = [=](std::int64_t user, float* row) {
    FillNormal(row, r * d, init_std, seed, kUserStream, static_cast<std::uint64_t>(user));
    if (spread >= 1.0) return;
    std::vector<float> base(d);
    FillNormal(base.data(), d, init_std, seed, kUserBaseStream, static_cast<std::uint64_t>(user));
    for (int k = 0; k < r; ++k)
      for (int c = 0; c < d; ++c) {
        float& value = row[static_cast<std::size_t>(k) * d + c];
        value = base_weight * base[c] + static_cast<float>(spread) * value;
      }
  };
  auto init_item = [=](std::int64_t item, float* row) {
    FillNormal(row, d, init_std, seed, kItemStream, static_cast<std::uint64_t>(item));  // the bias stays 0
  };
  const double att_std = options.att_init_scale / std::sqrt(double(d));
  const float identity = static_cast<float>(options.att_init_identity);
  auto init_attention = [=](std::int64_t key, float* row) {
    FillNormal(row, da, att_std, seed, kAttentionStream, static_cast<std::uint64_t>(key));
    if (key % d < da) row[key % d] += identity;
  };
  tables_ = {{"users", Placement::kPerUser, 0, r * d, init_user, adam},
             {"items", Placement::kOnServers, n_items, shape_.item_width(), init_item, adam},
             {"attention", Placement::kOnServers, 2 * static_cast<std::int64_t>(d), da, init_attention, attention_adam,
              /*dense=*/true}};
  attention_gradients_.resize(static_cast<std::size_t>(2) * d * da);
}

void AmpCf::RowsRead(const Batch& batch, const float* /*user_rows*/, std::vector<std::vector<std::int32_t>>& keys) const {
  keys.resize(2);
  keys[kItems] = batch.items;
  // Every step reads both maps whole; an empty batch reads nothing.
  DenseTableKeys(batch, 2 * shape_.dim, keys[kAttention]);
}

BatchStats AmpCf::ForwardBackward(const Batch& batch, const float* user_rows,
                                  const std::vector<const float*>& server_rows, const float*& user_gradients,
                                  std::vector<const float*>& server_gradients) {
  const std::size_t half = static_cast<std::size_t>(shape_.dim) * shape_.Size("att_dim");
  BatchParams params;
  params.users = user_rows;
  params.n_user_slots = static_cast<int>(batch.users.size());
  params.items = server_rows[kItems];
  params.n_item_slots = static_cast<int>(batch.items.size());
  params.att_u = server_rows[kAttention];
  params.att_v = server_rows[kAttention] + half;
  if (!batch.item_log_q.empty()) params.item_log_q = batch.item_log_q.data();
  weights_.gradient_scale = batch.gradient_scale;
  const BatchStats stats = ampcf::ForwardBackward(shape_, weights_, batch, params, gradients_);
  std::copy_n(gradients_.att_u.data(), half, attention_gradients_.data());
  std::copy_n(gradients_.att_v.data(), half, attention_gradients_.data() + half);
  user_gradients = gradients_.users.data();
  server_gradients = {gradients_.items.data(), attention_gradients_.data()};
  return stats;
}

std::unique_ptr<Scorer> AmpCf::MakeScorer(const std::vector<const float*>& server_tables, std::int32_t n_items) const {
  const std::size_t half = static_cast<std::size_t>(shape_.dim) * shape_.Size("att_dim");
  return std::make_unique<AmpScorer>(shape_, server_tables[kItems], n_items, server_tables[kAttention],
                                     server_tables[kAttention] + half);
}

void AmpCf::ExportTables(const std::vector<const float*>& server_tables, ModelData& model) const {
  const std::int64_t d = shape_.dim, da = shape_.Size("att_dim");
  const std::size_t half = static_cast<std::size_t>(d * da);
  model.model = name_;
  model.shape = shape_;
  model.items.assign(server_tables[kItems], server_tables[kItems] + model.item_ids.size() * shape_.item_width());
  const float* attention = server_tables[kAttention];
  model.dense = {{"attention/A_u", d, da, std::vector<float>(attention, attention + half)},
                 {"attention/A_v", d, da, std::vector<float>(attention + half, attention + 2 * half)}};
}

std::vector<std::vector<float>> AmpCf::ImportTables(const ModelData& model, const std::string& path) const {
  const std::int64_t d = shape_.dim, da = shape_.Size("att_dim");
  std::vector<float> attention = FindDense(model, "attention/A_u", d, da, path).values;
  const std::vector<float>& att_v = FindDense(model, "attention/A_v", d, da, path).values;
  attention.insert(attention.end(), att_v.begin(), att_v.end());
  return {model.items, std::move(attention)};
}

ModelInfo AmpCfInfo() {
  return MakeModelInfo<AmpCf>("amp-cf", "AMP-CF: r personas per user weighed by attention (r = 1: matrix factorisation)",
                              AmpOptions::Specs(), {});
}

}  // namespace ampcf
