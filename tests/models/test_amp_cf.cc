// Initial parameters: personas drawn as variations of one vector (--persona-spread) and
// attention maps that start near a multiple of the identity (--att-init-identity).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "models/amp/amp_cf.h"

namespace ampcf {
namespace {

// Correlation of persona 0 and persona 1 coordinates over many users, and their spread.
struct PersonaMoments {
  double correlation, stddev0, stddev1;
};

// AMP-CF's initial rows of table `table` (0: users, 2: attention), keys 0 .. n-1, in a RowTable.
RowTable InitialRows(const TrainConfig& config, int table, std::int64_t n) {
  const TableSpec spec = AmpCf(config, 2).tables()[table];
  return RowTable(spec.name, spec.width, RowSelection{0, 1, n}, spec.init, spec.adam, false);
}

PersonaMoments Moments(double spread) {
  TrainConfig config;
  config.model_options.Set("personas", 2);
  config.dim = 8;
  config.init_std = 0.1;
  config.model_options.Set("persona_spread", spread);
  config.seed = 7;
  ModelShape shape;
  shape.dim = config.dim;
  const std::int32_t n_users = 4000;
  const RowTable users = InitialRows(config, 0, n_users);
  double s00 = 0, s11 = 0, s01 = 0;
  for (std::int32_t u = 0; u < n_users; ++u) {
    const float* rows = users.row(u);
    for (int c = 0; c < shape.dim; ++c) {
      s00 += rows[c] * rows[c];
      s11 += rows[shape.dim + c] * rows[shape.dim + c];
      s01 += rows[c] * rows[shape.dim + c];
    }
  }
  const double n = static_cast<double>(n_users) * shape.dim;
  return {s01 / std::sqrt(s00 * s11), std::sqrt(s00 / n), std::sqrt(s11 / n)};
}

TEST(Initialisation, PersonaSpreadSetsTheCorrelationOfAUsersPersonas) {
  for (const double spread : {1.0, 0.5, 0.2}) {
    const PersonaMoments m = Moments(spread);
    EXPECT_NEAR(m.correlation, 1.0 - spread * spread, 0.03) << "spread " << spread;
    EXPECT_NEAR(m.stddev0, 0.1, 0.005) << "every persona keeps --init-std, spread " << spread;
    EXPECT_NEAR(m.stddev1, 0.1, 0.005) << "spread " << spread;
  }
}

TEST(Initialisation, DistinctPersonasEvenWithASmallSpread) {
  TrainConfig config;
  config.model_options.Set("persona_spread", 0.05);
  ModelShape shape;
  const RowTable users = InitialRows(config, 0, 2);
  const float* rows = users.row(0);
  double difference = 0;
  for (int c = 0; c < shape.dim; ++c) difference += std::abs(rows[c] - rows[shape.dim + c]);
  EXPECT_GT(difference, 0.0);  // identical personas would get identical gradients forever
}

TEST(Initialisation, AttentionMapsStartNearTheIdentity) {
  TrainConfig config;
  config.dim = 4;
  config.model_options.Set("att_dim", 3);
  config.model_options.Set("att_init_scale", 1e-9);
  config.model_options.Set("att_init_identity", 0.5);
  const int d = config.dim, da = AmpOptions::From(config.model_options).att_dim;
  const RowTable attention = InitialRows(config, 2, 2 * d);
  const float* rows = attention.row(0);
  for (int key = 0; key < 2 * d; ++key)  // A_u then A_v: 0.5 on the diagonal of the first da columns
    for (int c = 0; c < da; ++c)
      EXPECT_NEAR(rows[key * da + c], key % d == c ? 0.5 : 0.0, 1e-6) << "row " << key << " column " << c;
}

}  // namespace
}  // namespace ampcf
