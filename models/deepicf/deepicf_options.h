// The options of --model fism (FismOptions) and --model deepicf (DeepIcfOptions: FISM's and the
// attention network's).
#pragma once

#include "options/model_options.h"

namespace ampcf {

#define AMPCF_FISM_OPTIONS(X)                                                                           \
  X(int, history_items, "--history-items", 128, AtLeast(1),                                            \
    "training items that represent a user, a seeded sample of at most this many (a user's cost grows with it)")

#define AMPCF_DEEPICF_OPTIONS(X)                                                                        \
  AMPCF_FISM_OPTIONS(X)                                                                                 \
  X(int, att_dim, "--att-dim", 16, AtLeast(1), "the attention network's hidden size a")               \
  X(std::string, mlp_layers, "--mlp-layers", "", OptionalPositiveIntList(),                             \
    "the tower's widths from its input, the pooled vector of d, through each hidden layer (empty: d,d/2,d/4)")

AMPCF_OPTION_STRUCT(FismOptions, AMPCF_FISM_OPTIONS)
AMPCF_OPTION_STRUCT(DeepIcfOptions, AMPCF_DEEPICF_OPTIONS)

}  // namespace ampcf
