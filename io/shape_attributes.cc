#include "io/shape_attributes.h"

#include <sstream>

#include "core/error.h"
#include "core/int_list.h"
#include "io/hdf5_util.h"

namespace ampcf {

namespace {

// Far above any real model, low enough that no row width overflows an int.
constexpr std::int64_t kMostPersonas = 1024, kWidest = 1 << 16;

// The sizes files kept as root attributes before `model_sizes` named them.
constexpr const char* kSizesBeforeTheirList[] = {"att_dim", "tower"};

bool IsStringAttribute(hid_t root, const char* name) {
  h5::Handle attribute(H5Aopen(root, name, H5P_DEFAULT), H5Aclose);
  h5::Handle type(H5Aget_type(attribute.get()), H5Tclose);
  return H5Tget_class(type.get()) == H5T_STRING;
}

// An attribute as text, whether it is a string or an integer.
std::string AttributeText(hid_t root, const std::string& name, const std::string& path) {
  if (IsStringAttribute(root, name.c_str())) return h5::ReadStringAttribute(root, name.c_str(), path);
  return std::to_string(h5::ReadIntAttribute(root, name.c_str(), path));
}

}  // namespace

void WriteShapeAttributes(hid_t root, const ModelShape& shape) {
  h5::WriteAttribute(root, "personas", std::int64_t{shape.personas});
  h5::WriteAttribute(root, "dim", std::int64_t{shape.dim});
  if (shape.user_columns > 0) h5::WriteAttribute(root, "user_columns", std::int64_t{shape.user_columns});
  std::string names;
  for (const auto& [name, value] : shape.sizes) {
    const auto number = ParsePositiveIntList(value);
    if (number && number->size() == 1 && value.find(',') == std::string::npos)
      h5::WriteAttribute(root, name.c_str(), std::int64_t{(*number)[0]});
    else
      h5::WriteAttribute(root, name.c_str(), value);
    names += (names.empty() ? "" : ",") + name;
  }
  h5::WriteAttribute(root, "model_sizes", names);
}

ModelShape ReadShapeAttributes(hid_t root, const std::string& path) {
  const auto read = [&](const char* name, std::int64_t low, std::int64_t high) {
    const std::int64_t value = h5::ReadIntAttribute(root, name, path);
    if (value < low || value > high)
      throw UserError(Cat(path, ": attribute ", name, " is ", value, ", not in [", low, ", ", high, "]"));
    return static_cast<int>(value);
  };
  ModelShape shape;
  shape.personas = read("personas", 1, kMostPersonas);
  shape.dim = read("dim", 1, kWidest);
  if (H5Aexists(root, "user_columns") > 0) shape.user_columns = read("user_columns", 1, kWidest);
  const bool listed = H5Aexists(root, "model_sizes") > 0;
  if (!listed && H5Aexists(root, "history") > 0) shape.user_columns = read("history", 0, kWidest);
  std::vector<std::string> names;
  if (listed) {
    std::istringstream in(h5::ReadStringAttribute(root, "model_sizes", path));
    for (std::string name; std::getline(in, name, ',');) names.push_back(name);
  } else {
    names.assign(std::begin(kSizesBeforeTheirList), std::end(kSizesBeforeTheirList));
  }
  for (const std::string& name : names) {
    if (H5Aexists(root, name.c_str()) <= 0) {
      if (listed) throw UserError(Cat(path, ": model_sizes names ", name, ", which it lacks"));
      continue;
    }
    const std::string text = AttributeText(root, name, path);
    if (text == "0" || text.empty()) continue;  // older files: a size the model does not have
    const auto widths = ParsePositiveIntList(text);
    if (!widths) throw UserError(Cat(path, ": attribute ", name, " is '", text, "', not a list of positive integers"));
    for (int width : *widths)
      if (width > kWidest) throw UserError(Cat(path, ": attribute ", name, " has ", width, ", above ", kWidest));
    shape.sizes[name] = text;
  }
  return shape;
}

}  // namespace ampcf
