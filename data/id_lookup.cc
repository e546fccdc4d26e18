#include "data/id_lookup.h"

#include <algorithm>

#include "data/readers.h"

namespace ampcf {

namespace {
// The index of `id` in the ascending `ids`, or -1.
std::int32_t IndexOf(const std::vector<std::int64_t>& ids, std::string_view text) {
  std::int64_t id = 0;
  if (!ParseInt(text, id)) return -1;
  const auto found = std::lower_bound(ids.begin(), ids.end(), id);
  return found == ids.end() || *found != id ? -1 : static_cast<std::int32_t>(found - ids.begin());
}
}  // namespace

IdLookup::IdLookup(const Dataset& data) : data_(data) {
  for (std::size_t i = 0; i < data.user_names.size(); ++i)
    user_by_name_.emplace(data.user_names[i], data.held.begin + static_cast<std::int32_t>(i));
  for (std::size_t j = 0; j < data.item_names.size(); ++j) item_by_name_.emplace(data.item_names[j], static_cast<std::int32_t>(j));
}

std::int32_t IdLookup::User(std::string_view id) const {
  if (data_.HasUserNames()) {
    const auto found = user_by_name_.find(std::string(id));
    return found == user_by_name_.end() ? -1 : found->second;
  }
  const std::int32_t local = IndexOf(data_.user_ids, id);
  return local < 0 ? -1 : data_.held.begin + local;
}

std::int32_t IdLookup::Item(std::string_view id) const {
  if (!data_.item_names.empty()) {
    const auto found = item_by_name_.find(std::string(id));
    return found == item_by_name_.end() ? -1 : found->second;
  }
  return IndexOf(data_.item_ids, id);
}

}  // namespace ampcf
