#include "io/shape_attributes.h"

#include "core/error.h"
#include "core/int_list.h"
#include "io/hdf5_util.h"

namespace ampcf {

void WriteShapeAttributes(hid_t root, const ModelShape& shape) {
  h5::WriteAttribute(root, "personas", std::int64_t{shape.personas});
  h5::WriteAttribute(root, "dim", std::int64_t{shape.dim});
  h5::WriteAttribute(root, "att_dim", std::int64_t{shape.att_dim});
  if (!shape.tower.empty()) h5::WriteAttribute(root, "tower", IntListText(shape.tower));
  if (shape.history > 0) h5::WriteAttribute(root, "history", std::int64_t{shape.history});
}

ModelShape ReadShapeAttributes(hid_t root, const std::string& path) {
  // Far above any real model, low enough that no row width overflows an int.
  constexpr std::int64_t kMostPersonas = 1024, kWidest = 1 << 16;
  const auto read = [&](const char* name, std::int64_t low, std::int64_t high) {
    const std::int64_t value = h5::ReadIntAttribute(root, name, path);
    if (value < low || value > high)
      throw UserError(Cat(path, ": attribute ", name, " is ", value, ", not in [", low, ", ", high, "]"));
    return static_cast<int>(value);
  };
  ModelShape shape;
  shape.personas = read("personas", 1, kMostPersonas);
  shape.dim = read("dim", 1, kWidest);
  shape.att_dim = read("att_dim", 0, kWidest);
  if (H5Aexists(root, "tower") > 0) {
    const std::string text = h5::ReadStringAttribute(root, "tower", path);
    const auto tower = ParsePositiveIntList(text);
    if (!tower) throw UserError(Cat(path, ": invalid tower widths '", text, "'"));
    shape.tower = *tower;
  }
  if (H5Aexists(root, "history") > 0) shape.history = read("history", 0, kWidest);
  // att_dim is 0 in models without attention maps.
  if (shape.personas < 1 || shape.dim < 1 || shape.att_dim < 0 || shape.history < 0) throw UserError(Cat(path, ": invalid model shape"));
  return shape;
}

}  // namespace ampcf
