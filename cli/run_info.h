// What every rank must agree on before training: checked by broadcasting rank 0's view
// (Boost.Serialization, a structured control message) and comparing. On a cluster, a rank that
// read another copy of the data or another binary's defaults is caught here, not as a wrong answer.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace ampcf {

struct RunInfo {
  std::string dataset;
  std::int32_t n_users = 0;
  std::int32_t n_items = 0;
  std::int64_t n_train = 0;
  std::uint64_t fingerprint = 0;
  std::string config;  // Describe() of the options

  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & dataset & n_users & n_items & n_train & fingerprint & config;
  }
};

RunInfo MakeRunInfo(const Dataset& data, const std::string& config);
// Collective: returns "" when every rank's info equals rank 0's, else a message naming a rank.
std::string CheckRanksAgree(const RunInfo& mine);

}  // namespace ampcf
