// ConvNCF through the model interface: finite-difference gradients, the outer-product network
// against a direct convolution, scoring, the model file's arrays.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "models/convncf/convncf.h"
#include "models/flat_table.h"
#include "models/registry.h"
#include "tests/finite_difference.h"

namespace ampcf {
namespace {

struct Problem {
  TrainConfig config;
  Batch batch;
  std::vector<float> users, items, conv;

  explicit Problem(int dim) {
    config.model = "convncf";
    config.dim = dim;
    config.l2_example = 0.2;
    config.seed = 3;
    const ConvNcf model(config, 5);
    batch.candidates = 3;
    batch.user = {0, 1, 0};
    batch.item = {0, 2, 3, 1, 2, 4, 2, 0, 4};
    batch.users = {10, 11};
    batch.items = {3, 5, 7, 8, 9};
    batch.gradient_scale = 0.5;
    users.resize(batch.users.size() * dim);
    items.resize(batch.items.size() * (dim + 1));
    conv.resize(kFlatRowWidth * ((model.layout().size + kFlatRowWidth - 1) / kFlatRowWidth));
    FillNormal(users.data(), static_cast<int>(users.size()), 0.7, 1, 1, 0);
    FillNormal(items.data(), static_cast<int>(items.size()), 0.7, 1, 2, 0);
    // Small weights and biases of +-0.8 keep every pre-activation far from relu's kink (where a
    // finite difference would straddle it), half the channels on and half off.
    const ConvLayout& layout = model.layout();
    FillNormal(conv.data(), static_cast<int>(layout.size), 0.05, 1, 3, 0);
    for (int l = 1; l <= layout.layers(); ++l)
      for (int o = 0; o < layout.channels[l - 1]; ++o) conv[layout.biases[l - 1] + o] = o % 2 == 0 ? 0.8f : -0.8f;
    for (std::size_t j = 0; j < batch.items.size(); ++j) items[j * (dim + 1) + dim] = 0;
  }
  BatchStats Run(ConvNcf& model, const float*& user_gradients, std::vector<const float*>& server_gradients) const {
    return model.ForwardBackward(batch, users.data(), {items.data(), conv.data()}, user_gradients, server_gradients);
  }
  double Loss() const {
    ConvNcf model(config, 10);
    const float* unused = nullptr;
    std::vector<const float*> unused_server;
    return Run(model, unused, unused_server).loss;
  }
};

TEST(ConvNcf, GradientsMatchFiniteDifferences) {
  Problem p(4);  // two layers: 4 x 4 -> 2 x 2 -> 1 x 1
  ConvNcf model(p.config, 10);
  const float* user_gradients = nullptr;
  std::vector<const float*> server_gradients;
  p.Run(model, user_gradients, server_gradients);
  const std::vector<float> users(user_gradients, user_gradients + p.users.size());
  const std::vector<float> items(server_gradients[0], server_gradients[0] + p.items.size());
  const std::vector<float> conv(server_gradients[1], server_gradients[1] + p.conv.size());
  const auto loss = [&] { return p.Loss(); };
  testing::CheckAgainstFiniteDifferences(loss, p.users, users.data(), "users", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.items, items.data(), "items", p.batch.gradient_scale);
  testing::CheckAgainstFiniteDifferences(loss, p.conv, conv.data(), "conv", p.batch.gradient_scale);
}

// The network by its definition, pixel by pixel: E = p q^T, then 2 x 2 stride-2 convolutions.
double DirectLogit(const ConvLayout& layout, const float* theta, const float* p, const float* q) {
  const int d = layout.dim;
  std::vector<std::vector<double>> map(d * d, std::vector<double>(1));  // [pixel][channel]
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) map[i * d + j][0] = double(p[i]) * q[j];
  int side = d;
  for (int l = 1; l <= layout.layers(); ++l) {
    const int out_side = side / 2, cin = layout.in_channels(l), cout = layout.channels[l - 1];
    std::vector<std::vector<double>> next(out_side * out_side, std::vector<double>(cout));
    for (int i = 0; i < out_side; ++i)
      for (int j = 0; j < out_side; ++j)
        for (int o = 0; o < cout; ++o) {
          double z = theta[layout.biases[l - 1] + o];
          for (int di = 0; di < 2; ++di)
            for (int dj = 0; dj < 2; ++dj)
              for (int c = 0; c < cin; ++c)
                z += map[(2 * i + di) * side + 2 * j + dj][c] *
                     theta[layout.weights[l - 1] + static_cast<std::size_t>((2 * di + dj) * cin + c) * cout + o];
          next[i * out_side + j][o] = std::max(z, 0.0);
        }
    map = std::move(next);
    side = out_side;
  }
  double y = 0;
  for (int o = 0; o < layout.channels.back(); ++o) y += map[0][o] * theta[layout.output + o];
  return y;
}

TEST(ConvNcf, ScoresEqualTheConvolutionComputedPixelByPixel) {
  Problem p(8);  // three layers
  ConvNcf model(p.config, 5);
  const auto scorer = model.MakeScorer({p.items.data(), p.conv.data()}, 5);
  std::vector<float> scores, attention;
  scorer->Score(p.users.data(), {}, scores, &attention);
  for (int j = 0; j < 5; ++j)
    EXPECT_NEAR(scores[j], DirectLogit(model.layout(), p.conv.data(), p.users.data(), p.items.data() + j * 9), 1e-4);
  std::vector<float> some;
  scorer->Score(p.users.data(), {4, 1}, some);
  EXPECT_FLOAT_EQ(some[0], scores[4]);
  EXPECT_FLOAT_EQ(some[1], scores[1]);
  EXPECT_EQ(attention, std::vector<float>(5, 1.0f));
}

TEST(ConvNcf, ModelFileArraysRoundTrip) {
  Problem p(4);
  ConvNcf model(p.config, 5);
  ModelData data;
  data.item_ids = {1, 2, 3, 4, 5};
  model.ExportTables({p.items.data(), p.conv.data()}, data);
  const std::unique_ptr<Model> loaded = ModelOf(data, "model.h5");
  EXPECT_EQ(loaded->name(), "convncf");
  EXPECT_EQ(loaded->shape().Widths("tower"), (std::vector<int>{32, 32}));
  const std::vector<std::vector<float>> tables = loaded->ImportTables(data, "model.h5");
  EXPECT_EQ(tables[0], p.items);
  EXPECT_EQ(tables[1], p.conv);
}

TEST(ConvNcf, ADimensionThatIsNotAPowerOfTwoIsRefusedNamingTheOption) {
  TrainConfig config;
  config.model = "convncf";
  config.dim = 48;
  try {
    ConvNcf model(config, 5);
    FAIL() << "accepted d = 48";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("--dim 48"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace ampcf
