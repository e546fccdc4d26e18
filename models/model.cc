#include "models/model.h"

namespace ampcf {

AdamConfig MakeAdam(const TrainConfig& config) {
  AdamConfig adam;
  adam.lr = static_cast<float>(config.lr);
  adam.l2 = static_cast<float>(config.l2);
  return adam;
}

}  // namespace ampcf
