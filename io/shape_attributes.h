// A ModelShape as the attributes of a model or checkpoint file's root: personas and dim (int64),
// user_columns where set, and each of the model's own sizes under its name (int64 where it is one
// number, else a string: "256,128,64"), listed by name in `model_sizes`.
#pragma once

#include <hdf5.h>

#include <string>

#include "io/model_shape.h"

namespace ampcf {

void WriteShapeAttributes(hid_t root, const ModelShape& shape);
// UserError naming `path` when an attribute is missing or the shape is invalid. Files from before
// `model_sizes` keep their sizes as the attributes att_dim and tower and an item-based model's
// user row width as history; they read as the same shape.
ModelShape ReadShapeAttributes(hid_t root, const std::string& path);

}  // namespace ampcf
