#include "models/example_l2.h"

namespace ampcf {

double AddExampleL2(const Batch& batch, const Eigen::Ref<const RowMatrixXf>& U,
                    const Eigen::Ref<const RowMatrixXf>& items, int dim, double l2, double user_factor, double weight,
                    RowMatrixXf& user_gradients, RowMatrixXf& item_gradients) {
  const double user_l2 = l2 * user_factor;
  const int C = batch.candidates;
  double squared = 0;
  for (int b = 0; b < batch.size(); ++b) {
    const int user = batch.user[b];
    squared += user_l2 * U.row(user).squaredNorm();
    user_gradients.row(user) += static_cast<float>(user_l2 * weight) * U.row(user);
    for (int c = 0; c < C; ++c) {
      const int slot = batch.item[static_cast<std::size_t>(b) * C + c];
      squared += l2 * items.row(slot).head(dim).squaredNorm();
      item_gradients.row(slot).head(dim) += static_cast<float>(l2 * weight) * items.row(slot).head(dim);
    }
  }
  return 0.5 * squared;
}

}  // namespace ampcf
