// The sizes every ampcf model is described by, as model and checkpoint files record them.
#pragma once

namespace ampcf {

struct ModelShape {
  int personas = 2;  // r: user rows per user (1 for single-vector models)
  int dim = 64;      // d
  int att_dim = 64;  // da (models without attention maps ignore it)
  int item_width() const { return dim + 1; }  // an item row: [v_j (d), b_j]
};

}  // namespace ampcf
