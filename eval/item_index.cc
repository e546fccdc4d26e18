#include "eval/item_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/parallel.h"

namespace ampcf {

namespace {
constexpr int kItemsPerInsertTask = 256;
}  // namespace

int InnerProductWidthOf(const Scorer& scorer, const std::string& model_name) {
  const int width = scorer.InnerProductWidth();
  if (width <= 0)
    throw UserError(Cat("--model ", model_name,
                        ": its score is not bounded by inner products of user and item vectors, so no index can "
                        "retrieve for it (amp-cf and bpr-mf can); recommend without --ann"));
  return width;
}

ItemIndex::ItemIndex(const Scorer& scorer, const ItemIndexOptions& options, const std::string& model_name)
    : width_(InnerProductWidthOf(scorer, model_name)), size_(scorer.n_items()) {
  space_ = std::make_unique<hnswlib::InnerProductSpace>(static_cast<std::size_t>(width_));
  graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), static_cast<std::size_t>(std::max(size_, 1)),
                                                             options.links, options.build_breadth, options.seed);
  // hnswlib inserts concurrently (it locks the links it changes); the graph then depends on
  // the threads' timing, its recall does not measurably.
  ParallelForBlocks(size_, kItemsPerInsertTask, [&](TaskRange items) {
    std::vector<float> vector(static_cast<std::size_t>(width_));
    for (std::int32_t j = items.begin; j < items.end; ++j) {
      scorer.InnerProductItem(j, vector.data());
      graph_->addPoint(vector.data(), static_cast<hnswlib::labeltype>(j));
    }
  });
}

ItemIndex::ItemIndex(const std::string& path, const Scorer& scorer, const std::string& model_name)
    : width_(InnerProductWidthOf(scorer, model_name)), size_(scorer.n_items()) {
  if (!std::filesystem::is_regular_file(path)) throw UserError(Cat("--ann-index ", path, ": no such file"));
  space_ = std::make_unique<hnswlib::InnerProductSpace>(static_cast<std::size_t>(width_));
  try {
    graph_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(space_.get(), path);
  } catch (const std::exception& error) {
    throw UserError(Cat("--ann-index ", path, ": not an index of ", width_, "-float vectors (", error.what(), ")"));
  }
  if (graph_->size_data_per_element_ !=
      graph_->size_links_level0_ + static_cast<std::size_t>(width_) * sizeof(float) + sizeof(hnswlib::labeltype))
    throw UserError(Cat("--ann-index ", path, ": not an index of ", width_, "-float vectors"));
  if (graph_->cur_element_count != static_cast<std::size_t>(size_))
    throw UserError(Cat("--ann-index ", path, ": holds ", graph_->cur_element_count, " items; the model has ", size_));
  // Each item's stored vector must be the model's: an index of another model would rank by
  // other vectors and return silently wrong lists.
  std::vector<float> vector(static_cast<std::size_t>(width_));
  for (std::size_t internal = 0; internal < graph_->cur_element_count; ++internal) {
    const hnswlib::labeltype label = graph_->getExternalLabel(static_cast<hnswlib::tableint>(internal));
    if (label >= static_cast<hnswlib::labeltype>(size_))
      throw UserError(Cat("--ann-index ", path, ": item label ", label, " beyond the model's ", size_, " items"));
    scorer.InnerProductItem(static_cast<std::int32_t>(label), vector.data());
    const auto* stored = reinterpret_cast<const float*>(graph_->getDataByInternalId(static_cast<hnswlib::tableint>(internal)));
    if (!std::equal(vector.begin(), vector.end(), stored))
      throw UserError(Cat("--ann-index ", path, ": item ", label, "'s vector is not this model's (an index of another model?)"));
  }
}

ItemIndex::~ItemIndex() = default;

void ItemIndex::SetSearchBreadth(int ef) { graph_->setEf(static_cast<std::size_t>(std::max(ef, 1))); }

void ItemIndex::Search(const float* query, int k, std::vector<std::int32_t>& out) const {
  auto found = graph_->searchKnn(query, static_cast<std::size_t>(std::min(k, size_)));
  for (; !found.empty(); found.pop()) out.push_back(static_cast<std::int32_t>(found.top().second));
}

void ItemIndex::Save(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  graph_->saveIndex(temporary);  // hnswlib does not report a failed write: check what landed
  std::error_code error;
  const auto bytes = std::filesystem::file_size(temporary, error);
  const std::size_t expected_at_least = graph_->cur_element_count * graph_->size_data_per_element_;
  if (error || bytes < expected_at_least) {
    std::filesystem::remove(temporary, error);
    throw UserError(Cat(path, ": cannot write the index (disk full?)"));
  }
  std::filesystem::rename(temporary, path, error);
  if (error) throw UserError(Cat(path, ": cannot rename ", temporary, " into place: ", error.message()));
}

std::int64_t ItemIndex::MemoryBytes() const {
  std::int64_t bytes = static_cast<std::int64_t>(graph_->max_elements_ * graph_->size_data_per_element_);
  for (std::size_t i = 0; i < graph_->cur_element_count; ++i)
    bytes += static_cast<std::int64_t>(graph_->element_levels_[i]) * graph_->size_links_per_element_;
  return bytes;
}

}  // namespace ampcf
