// `train --init-from PATH`: the rows of a trained model that a new run starts from, a
// checkpoint's (with Adam's state) or a model file's (values only), for the same model and shape.
#pragma once

#include <memory>
#include <string>

#include "models/model.h"
#include "tables/row_source.h"

namespace ampcf {

// UserError naming --init-from and the file when it is neither a checkpoint nor a model file,
// or holds another model or shape than `model`.
std::unique_ptr<RowSource> OpenTrainedRows(const std::string& path, const Model& model);

}  // namespace ampcf
