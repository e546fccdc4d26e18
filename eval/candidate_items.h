// The items the sampled protocol ranks for some users: what a worker needs of the item table to
// validate its users, a small part of the catalogue when it is large.
#pragma once

#include <cstdint>
#include <vector>

#include "data/dataset.h"

namespace ampcf {

// Every held-out item of kind `which` of `users` and their candidates: unique, ascending.
std::vector<std::int32_t> CandidateItems(const Dataset& data, const std::vector<std::int32_t>& users, HeldOut which);

}  // namespace ampcf
