// The sizes every ampcf model is described by, as model and checkpoint files record them.
#pragma once

#include <string>
#include <vector>

#include "core/int_list.h"

namespace ampcf {

struct ModelShape {
  int personas = 2;  // r: user rows per user (1 for single-vector models)
  int dim = 64;      // d: the width of a user row (per persona) and of an item's vector
  int att_dim = 64;  // da (models without attention maps ignore it)
  // The widths of a model's MLP tower from its input on (NeuMF: twice its MLP embedding size,
  // then each hidden layer); empty for models without one. Files store it as "256,128,64".
  std::vector<int> tower;
  // Item-based models (DeepICF): the training items that represent a user, at most (the width
  // of their per-user row); 0 for models that learn a user row.
  int history = 0;
  int item_width() const { return dim + 1; }  // an item row: [v_j (d), b_j]
  // A user's row: r persona vectors of d, or an item-based model's `history` item ids.
  int user_width() const { return history > 0 ? history : personas * dim; }
  bool operator==(const ModelShape&) const = default;
};

// "r=2 d=64 da=64", with " tower=256,128,64" for a model with a tower and " history=64" for an
// item-based one; da is left out when 0.
inline std::string ShapeText(const ModelShape& shape) {
  std::string text = "r=" + std::to_string(shape.personas) + " d=" + std::to_string(shape.dim);
  if (shape.att_dim > 0) text += " da=" + std::to_string(shape.att_dim);
  if (!shape.tower.empty()) text += " tower=" + IntListText(shape.tower);
  if (shape.history > 0) text += " history=" + std::to_string(shape.history);
  return text;
}

}  // namespace ampcf
