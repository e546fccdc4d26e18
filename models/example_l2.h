// --l2-example: (l2/2) ||row||^2 in each positive's loss for every row it reads (the user's row
// weighted by --l2-user-factor), so that a row is regularised in proportion to its use.
#pragma once

#include "core/eigen_types.h"
#include "models/model.h"

namespace ampcf {

// Adds the term's gradients, times `weight`, to `user_gradients` (rows of U) and to the first
// `dim` columns of `item_gradients` (rows of `items`; an item row's bias is left out); returns
// the term summed over the batch's positives.
double AddExampleL2(const Batch& batch, const Eigen::Ref<const RowMatrixXf>& U,
                    const Eigen::Ref<const RowMatrixXf>& items, int dim, double l2, double user_factor, double weight,
                    RowMatrixXf& user_gradients, RowMatrixXf& item_gradients);

}  // namespace ampcf
