// The sizes a model is described by, as model and checkpoint files record them: r and d, which
// evaluation reads for every model, and the model's own sizes by name, which only the model reads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/int_list.h"

namespace ampcf {

struct ModelShape {
  int personas = 2;  // r: user rows per user (1 for single-vector models)
  int dim = 64;      // d: the width of a user row (per persona) and of an item's vector
  // A user's row width where it is not r x d (an item-based model: the ids of the items that
  // represent the user); 0: r x d.
  int user_columns = 0;
  // The model's own sizes by name ("att_dim" = "64", "tower" = "256,128,64"), set and read by
  // its folder (Size, Widths); files keep each as a root attribute.
  std::map<std::string, std::string> sizes;

  int item_width() const { return dim + 1; }  // an item row: [v_j (d), b_j]
  int user_width() const { return user_columns > 0 ? user_columns : personas * dim; }
  // A size as a number (0 when absent or not a number) or a list of widths (empty when absent).
  int Size(const std::string& name) const;
  std::vector<int> Widths(const std::string& name) const;
  // A size of 0 is no size: it is erased.
  void SetSize(const std::string& name, int value) {
    if (value == 0) sizes.erase(name);
    else sizes[name] = std::to_string(value);
  }
  void SetWidths(const std::string& name, const std::vector<int>& widths);
  bool operator==(const ModelShape&) const = default;
};

// "r=2 d=64", then " name=value" per size ("att_dim=64") and " user_columns=64" where set.
std::string ShapeText(const ModelShape& shape);

}  // namespace ampcf
