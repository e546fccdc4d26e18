// Parameter averaging over epochs (--average-decay): an exponential moving average of every row,
// folded in at the end of each epoch, is the model that is validated, kept as the best and
// tested. Adam's last steps leave the rows wandering around a minimum; their average sits closer
// to it (Polyak averaging), and it makes early stopping's pick less a matter of luck. Folding once
// per epoch, not per step, costs one pass over the rows and needs no per-row bookkeeping.
#pragma once

#include <Eigen/Core>

#include "core/eigen_types.h"
#include "core/error.h"

namespace ampcf {

// average = decay * average + (1 - decay) * values; `restart`: average = values (the first epoch,
// so that the average does not remember the initial rows).
inline void FoldAverage(AlignedVector<float>& average, const AlignedVector<float>& values, double decay, bool restart) {
  AMPCF_ASSERT(average.size() == values.size(), "average and values differ in size");
  Eigen::Map<Eigen::ArrayXf> a(average.data(), static_cast<Eigen::Index>(average.size()));
  Eigen::Map<const Eigen::ArrayXf> v(values.data(), static_cast<Eigen::Index>(values.size()));
  if (restart) {
    a = v;
  } else {
    const float d = static_cast<float>(decay);
    a = d * a + (1.0f - d) * v;
  }
}

}  // namespace ampcf
