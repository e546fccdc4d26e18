#include "io/model_shape.h"

namespace ampcf {

int ModelShape::Size(const std::string& name) const {
  const auto found = sizes.find(name);
  if (found == sizes.end()) return 0;
  const auto value = ParsePositiveIntList(found->second);
  return value && value->size() == 1 ? (*value)[0] : 0;
}

std::vector<int> ModelShape::Widths(const std::string& name) const {
  const auto found = sizes.find(name);
  if (found == sizes.end() || found->second.empty()) return {};
  const auto widths = ParsePositiveIntList(found->second);
  return widths ? *widths : std::vector<int>{};
}

void ModelShape::SetWidths(const std::string& name, const std::vector<int>& widths) {
  if (widths.empty()) sizes.erase(name);
  else sizes[name] = IntListText(widths);
}

std::string ShapeText(const ModelShape& shape) {
  std::string text = "r=" + std::to_string(shape.personas) + " d=" + std::to_string(shape.dim);
  for (const auto& [name, value] : shape.sizes) text += " " + name + "=" + value;
  if (shape.user_columns > 0) text += " user_columns=" + std::to_string(shape.user_columns);
  return text;
}

}  // namespace ampcf
