// The options of --model neumf and --model mlp (gmf has none of its own).
#pragma once

#include "options/model_options.h"

namespace ampcf {

#define AMPCF_NEUMF_OPTIONS(X)                                                                          \
  X(std::string, mlp_layers, "--mlp-layers", "", OptionalPositiveIntList(),                             \
    "the MLP tower's widths from its input through each hidden layer; the input is twice the MLP "      \
    "embedding size, so even (empty: 4d,2d,d)")

AMPCF_OPTION_STRUCT(NeuMfOptions, AMPCF_NEUMF_OPTIONS)

}  // namespace ampcf
