// Eigen types every layer shares.
#pragma once

#include <Eigen/Core>
#include <Eigen/StdVector>
#include <vector>

namespace ampcf {

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Buffers the models read through Eigen maps. Eigen's vectorised reductions start at the first
// aligned element, so an unaligned buffer changes the summation order from run to run (malloc
// addresses differ): aligned buffers keep deterministic mode bitwise reproducible.
template <typename T>
using AlignedVector = std::vector<T, Eigen::aligned_allocator<T>>;

}  // namespace ampcf
