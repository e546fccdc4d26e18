// The dense ids of a dataset's users and items from the ids its files use: the integers, or the
// names of string-id datasets (Amazon, delimited files and RecBole tokens that are not integers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "data/dataset.h"

namespace ampcf {

class IdLookup {
 public:
  // `data` must outlive this object.
  explicit IdLookup(const Dataset& data);
  // The dense id of the held user `id`, or -1 when `data` holds no such user.
  std::int32_t User(std::string_view id) const;
  // The dense id of item `id`, or -1 when there is none.
  std::int32_t Item(std::string_view id) const;

 private:
  const Dataset& data_;
  std::unordered_map<std::string, std::int32_t> user_by_name_, item_by_name_;
};

}  // namespace ampcf
