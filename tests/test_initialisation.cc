// Initial parameters: personas drawn as variations of one vector (--persona-spread) and
// attention maps that start near a multiple of the identity (--att-init-identity).
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "ps/server_shard.h"
#include "worker/user_shard.h"

namespace ampcf {
namespace {

// Correlation of persona 0 and persona 1 coordinates over many users, and their spread.
struct PersonaMoments {
  double correlation, stddev0, stddev1;
};

PersonaMoments Moments(double spread) {
  ModelShape shape;
  shape.personas = 2;
  shape.dim = 8;
  std::vector<std::int32_t> users(4000);
  std::iota(users.begin(), users.end(), 0);
  const UserShard shard(shape, users, 0.1, spread, 7);
  double s00 = 0, s11 = 0, s01 = 0;
  for (std::size_t u = 0; u < users.size(); ++u) {
    const float* rows = shard.rows(static_cast<std::int32_t>(u));
    for (int c = 0; c < shape.dim; ++c) {
      s00 += rows[c] * rows[c];
      s11 += rows[shape.dim + c] * rows[shape.dim + c];
      s01 += rows[c] * rows[shape.dim + c];
    }
  }
  const double n = static_cast<double>(users.size()) * shape.dim;
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
  ModelShape shape;
  const UserShard shard(shape, {0, 1}, 0.1, 0.05, 7);
  const float* rows = shard.rows(0);
  double difference = 0;
  for (int c = 0; c < shape.dim; ++c) difference += std::abs(rows[c] - rows[shape.dim + c]);
  EXPECT_GT(difference, 0.0);  // identical personas would get identical gradients forever
}

TEST(Initialisation, AttentionMapsStartNearTheIdentity) {
  ps::ShardOptions options;
  options.shape.dim = 4;
  options.shape.att_dim = 3;
  options.n_items = 2;
  options.att_init_scale = 1e-9;
  options.att_init_identity = 0.5;
  const int d = options.shape.dim, da = options.shape.att_dim;
  std::vector<std::int32_t> att_keys(2 * d);
  std::iota(att_keys.begin(), att_keys.end(), 0);
  const std::vector<std::int32_t> no_items;
  std::vector<float> rows(att_keys.size() * da);
  ps::ServerShard(options).ReadRows(no_items.data(), 0, att_keys.data(), 2 * d, rows.data());
  for (int key = 0; key < 2 * d; ++key)  // A_u then A_v: 0.5 on the diagonal of the first da columns
    for (int c = 0; c < da; ++c)
      EXPECT_NEAR(rows[key * da + c], key % d == c ? 0.5 : 0.0, 1e-6) << "row " << key << " column " << c;
}

}  // namespace
}  // namespace ampcf
