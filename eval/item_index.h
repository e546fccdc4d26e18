// An approximate nearest-neighbour index over a model's item vectors by inner product: an HNSW
// graph (Malkov and Yashunin, TPAMI 2018) from hnswlib, the library Python users load it with
// (`hnswlib.Index(space="ip", dim=d + 1).load_index(path)`, queried with [u, 1]). `recommend
// --ann` queries it once per persona and rescores the union exactly (eval/recommend.h);
// `export-index` writes it.
//
// The graph searches by inner product directly (ip-NSW: Morozov and Babenko, NeurIPS 2018). The
// reduction to a Euclidean search (items [x_j, sqrt(M^2 - |x_j|^2)], Bachrach et al. 2014) was
// measured too: on a lightly trained model of 19k items its recall of the exact top 10 at the
// same search breadth was 0.53-0.73 against 0.76-0.94 here (bench/ann_benchmark.sh).
//
// Only models whose score is bounded by inner products can use one (Scorer::InnerProductWidth,
// models/model.h); the others are refused by name. An item's label is its dense id: row j of
// model.h5's /items/ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model.h"

namespace hnswlib {
class InnerProductSpace;
template <typename dist_t>
class HierarchicalNSW;
}  // namespace hnswlib

namespace ampcf {

struct ItemIndexOptions {
  int links = 16;             // hnswlib's M: links per item per layer (memory grows with it)
  int build_breadth = 200;    // hnswlib's ef_construction
  std::uint64_t seed = 100;   // the graph's level draws (a build on several threads still varies)
};

class ItemIndex {
 public:
  // Over every item of `scorer`, inserted on the compute threads (core/parallel.h). UserError
  // naming `model_name` when its score is no inner product.
  ItemIndex(const Scorer& scorer, const ItemIndexOptions& options, const std::string& model_name);
  // Reads an index file (export-index); UserError naming `path` when it is unreadable or does
  // not hold `scorer`'s item vectors, exactly.
  ItemIndex(const std::string& path, const Scorer& scorer, const std::string& model_name);
  ~ItemIndex();
  ItemIndex(const ItemIndex&) = delete;
  ItemIndex& operator=(const ItemIndex&) = delete;

  int width() const { return width_; }
  std::int32_t size() const { return size_; }
  // The search breadth (hnswlib's ef; a search uses at least its k): larger finds more of the
  // true nearest items, slower. Not while searches run.
  void SetSearchBreadth(int ef);
  // Appends to `out` the k (at most size()) items of largest inner product with `query`
  // (width() floats), as the graph finds them, in no particular order. Safe from many threads.
  void Search(const float* query, int k, std::vector<std::int32_t>& out) const;
  // Writes hnswlib's file format to `path` (through path.tmp, renamed when complete).
  void Save(const std::string& path) const;
  // Bytes the graph and its copy of the vectors take.
  std::int64_t MemoryBytes() const;

 private:
  int width_ = 0;
  std::int32_t size_ = 0;
  std::unique_ptr<hnswlib::InnerProductSpace> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph_;
};

// The scorer's width, or UserError naming the model: its score is no inner product.
int InnerProductWidthOf(const Scorer& scorer, const std::string& model_name);

}  // namespace ampcf
