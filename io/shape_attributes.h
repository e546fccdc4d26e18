// A ModelShape as the attributes of a model or checkpoint file's root: personas, dim, att_dim
// (int64) and tower ("256,128,64"; absent in files of models without a tower).
#pragma once

#include <hdf5.h>

#include <string>

#include "io/model_shape.h"

namespace ampcf {

void WriteShapeAttributes(hid_t root, const ModelShape& shape);
// UserError naming `path` when an attribute is missing or the shape is invalid.
ModelShape ReadShapeAttributes(hid_t root, const std::string& path);

}  // namespace ampcf
