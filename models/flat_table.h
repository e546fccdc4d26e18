// A network's parameters theta (one flat vector) kept as a dense server table: rows of
// kFlatRowWidth floats, the last one zero-padded; and its named blocks in model files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/model_file.h"
#include "tables/row_table.h"

namespace ampcf {

constexpr int kFlatRowWidth = 64;

inline std::int64_t FlatRows(std::size_t size) {
  return static_cast<std::int64_t>((size + kFlatRowWidth - 1) / kFlatRowWidth);
}

// Element i of theta ~ N(0, stddev(i)^2), seeded by (seed, stream, row); 0 past `size`.
RowInitialiser FlatNormalInit(std::size_t size, std::function<double(std::size_t)> stddev, std::uint64_t seed,
                              std::uint64_t stream);
// Theta from `values` (zeros past their end).
RowInitialiser FlatCopyInit(std::shared_ptr<const std::vector<float>> values);

// A block of theta as a model file's dense array: path "group/name", rows x cols from offset.
struct FlatBlock {
  std::string path;
  std::int64_t rows = 0, cols = 0;
  std::size_t offset = 0;
};
void ExportFlat(const float* theta, const std::vector<FlatBlock>& blocks, std::vector<DenseArray>& dense);
// Theta of `size` floats padded to whole rows, from the model's arrays; UserError naming `path`
// when one is missing or misshapen.
std::vector<float> ImportFlat(const ModelData& model, const std::vector<FlatBlock>& blocks, std::size_t size,
                              const std::string& path);

}  // namespace ampcf
