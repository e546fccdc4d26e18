#include "models/model_info.h"

namespace ampcf {

OptionDefaults NcfRecipe() {
  return {{"negative_power", "0"}, {"exclude_seen", "1"}, {"l2", "0"},      {"l2_example", "0"},
          {"init_std", "0.01"},    {"epochs", "100"},     {"patience", "10"}};
}

}  // namespace ampcf
