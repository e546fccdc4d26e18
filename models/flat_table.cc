#include "models/flat_table.h"

#include <algorithm>

#include "core/rng.h"

namespace ampcf {

RowInitialiser FlatNormalInit(std::size_t size, std::function<double(std::size_t)> stddev, std::uint64_t seed,
                              std::uint64_t stream) {
  return [=](std::int64_t key, float* row) {
    FillNormal(row, kFlatRowWidth, 1.0, seed, stream, static_cast<std::uint64_t>(key));
    for (int c = 0; c < kFlatRowWidth; ++c) {
      const std::size_t i = static_cast<std::size_t>(key) * kFlatRowWidth + c;
      row[c] = i < size ? static_cast<float>(row[c] * stddev(i)) : 0.0f;
    }
  };
}

RowInitialiser FlatCopyInit(std::shared_ptr<const std::vector<float>> values) {
  return [=](std::int64_t key, float* row) {
    for (int c = 0; c < kFlatRowWidth; ++c) {
      const std::size_t i = static_cast<std::size_t>(key) * kFlatRowWidth + c;
      row[c] = i < values->size() ? (*values)[i] : 0.0f;
    }
  };
}

void ExportFlat(const float* theta, const std::vector<FlatBlock>& blocks, std::vector<DenseArray>& dense) {
  for (const FlatBlock& block : blocks)
    dense.push_back({block.path, block.rows, block.cols,
                     std::vector<float>(theta + block.offset, theta + block.offset + block.rows * block.cols)});
}

std::vector<float> ImportFlat(const ModelData& model, const std::vector<FlatBlock>& blocks, std::size_t size,
                              const std::string& path) {
  std::vector<float> theta(static_cast<std::size_t>(FlatRows(size)) * kFlatRowWidth, 0.0f);
  for (const FlatBlock& block : blocks) {
    const std::vector<float>& values = FindDense(model, block.path, block.rows, block.cols, path).values;
    std::copy(values.begin(), values.end(), theta.begin() + static_cast<std::ptrdiff_t>(block.offset));
  }
  return theta;
}

}  // namespace ampcf
