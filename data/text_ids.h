// Ids read as text, for the readers of formats whose ids may be strings (data/readers.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/readers.h"
#include "data/text_fields.h"

namespace ampcf {

// Interns names in order of first appearance: the first name is 0. `*names` must outlive it.
class Interner {
 public:
  explicit Interner(std::vector<std::string>& names) : names_(names) {}
  std::int64_t operator()(std::string_view name) {
    auto [at, inserted] = index_.try_emplace(std::string(name), static_cast<std::int64_t>(names_.size()));
    if (inserted) names_.emplace_back(name);
    return at->second;
  }

 private:
  std::vector<std::string>& names_;
  std::unordered_map<std::string, std::int64_t> index_;
};

// Rows whose ids are kept as names (RawData::user_names / item_names) unless every id of the file
// is an integer written the canonical way ("7", not "007" or "+7", which would merge with "7"),
// in which case the rows carry the integers and no names, as the integer-only readers give.
// `*data` must outlive it.
class TextIds {
 public:
  explicit TextIds(RawData& data) : data_(data), users_(data.user_names), items_(data.item_names) {}
  void Add(std::string_view user, std::string_view item, std::int64_t timestamp) {
    data_.rows.push_back(Interaction{users_(user), items_(item), timestamp});
  }
  // Turns names into integer ids when every one of them is a canonical integer.
  void Finish() {
    std::vector<std::int64_t> user_values, item_values;
    if (!AllCanonical(data_.user_names, user_values) || !AllCanonical(data_.item_names, item_values)) return;
    for (Interaction& row : data_.rows) {
      row.user = user_values[static_cast<std::size_t>(row.user)];
      row.item = item_values[static_cast<std::size_t>(row.item)];
    }
    data_.user_names.clear();
    data_.item_names.clear();
  }

 private:
  static bool AllCanonical(const std::vector<std::string>& names, std::vector<std::int64_t>& values) {
    values.resize(names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
      if (!IsCanonicalInt(names[i], values[i])) return false;
    return true;
  }
  RawData& data_;
  Interner users_, items_;
};

}  // namespace ampcf
