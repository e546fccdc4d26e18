// Items like a given one: the nearest items by the cosine of their embeddings v_j (the first d
// floats of every model's item row: AMP-CF's and MF's v_j, NeuMF's GMF and MLP item vectors side
// by side, FISM's and DeepICF+a's target-item vector p_j). The bias is left out: it says how
// popular an item is, not what it is like.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ampcf {

// The `top` items (dense ids) most similar to `item` with their cosines, most similar first,
// `item` itself left out; ties go to the lower id. `rows`: n_items rows of `width` floats, of
// which the first `dim` are the embedding. An item of zero norm has cosine 0 with every item.
std::vector<std::pair<std::int32_t, float>> SimilarItems(const float* rows, std::int32_t n_items, int width, int dim,
                                                         std::int32_t item, int top);

}  // namespace ampcf
