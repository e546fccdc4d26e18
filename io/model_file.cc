#include "io/model_file.h"

#include <algorithm>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "io/shape_attributes.h"

#include <sstream>

namespace ampcf {

namespace {
constexpr const char* kFormat = "ampcf-model";
constexpr std::int64_t kVersion = 2;
// Version 1 files are AMP-CF models with the attention maps as their dense arrays.
constexpr std::int64_t kVersionBeforeModels = 1;
constexpr const char* kVersion1Dense = "attention/A_u\nattention/A_v\n";
}  // namespace

void CreateModelFile(const std::string& temporary, const ModelData& model, std::int64_t n_users) {
  const ModelShape& s = model.shape;
  const hsize_t n_items = model.item_ids.size();
  AMPCF_ASSERT(model.items.size() == n_items * s.item_width());
  std::vector<float> embedding(n_items * s.dim), bias(n_items);
  for (hsize_t j = 0; j < n_items; ++j) {
    std::copy_n(&model.items[j * s.item_width()], s.dim, &embedding[j * s.dim]);
    bias[j] = model.items[j * s.item_width() + s.dim];
  }
  h5::Handle handle = h5::CreateFile(temporary);
  const hid_t file = handle.get();
  h5::WriteAttribute(file, "format", std::string(kFormat));
  h5::WriteAttribute(file, "version", kVersion);
  h5::WriteAttribute(file, "model", model.model);
  h5::WriteAttribute(file, "trained_on_validation", std::int64_t{model.trained_on_validation ? 1 : 0});
  WriteShapeAttributes(file, s);
  h5::WriteAttribute(file, "dataset", model.dataset);
  h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(model.dataset_fingerprint));
  h5::WriteAttribute(file, "config", model.config);
  h5::Handle items = h5::CreateGroup(file, "items");
  h5::WriteInts(items.get(), "ids", model.item_ids.data(), {n_items});
  if (!model.item_names.empty()) h5::WriteLines(items.get(), "names", model.item_names);
  h5::WriteFloats(items.get(), "embedding", embedding.data(), {n_items, hsize_t(s.dim)});
  h5::WriteFloats(items.get(), "bias", bias.data(), {n_items});
  if (!model.item_train_counts.empty()) {
    AMPCF_ASSERT(model.item_train_counts.size() == n_items);
    h5::WriteInts(items.get(), "train_counts", model.item_train_counts.data(), {n_items});
  }
  std::string dense_paths;
  for (const DenseArray& array : model.dense) {
    AMPCF_ASSERT(array.values.size() == static_cast<std::size_t>(array.rows * array.cols), array.path);
    const std::size_t slash = array.path.find('/');
    AMPCF_ASSERT(slash != std::string::npos, "a dense array's path is group/name: ", array.path);
    const std::string group_name = array.path.substr(0, slash);
    h5::Handle group = H5Lexists(file, group_name.c_str(), H5P_DEFAULT) > 0
                           ? h5::Handle(H5Gopen2(file, group_name.c_str(), H5P_DEFAULT), H5Gclose)
                           : h5::CreateGroup(file, group_name.c_str());
    h5::WriteFloats(group.get(), array.path.substr(slash + 1).c_str(), array.values.data(),
                    {hsize_t(array.rows), hsize_t(array.cols)});
    dense_paths += array.path + "\n";
  }
  h5::WriteAttribute(file, "dense", dense_paths);
  h5::Handle users = h5::CreateGroup(file, "users");
  const hsize_t rows = static_cast<hsize_t>(n_users);
  h5::CreateChecksummedArray(users.get(), "ids", H5T_NATIVE_INT64, {rows});
  h5::CreateChecksummedArray(users.get(), "personas", H5T_NATIVE_FLOAT,
                             {rows, hsize_t(s.personas), hsize_t(s.user_width() / s.personas)});
  if (!model.user_names.empty()) h5::WriteLines(users.get(), "names", model.user_names);
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
}

void WriteModelUsers(const std::string& temporary, std::int64_t first_user, std::span<const std::int64_t> ids,
                     const float* personas) {
  h5::Handle file = h5::OpenFileReadWrite(temporary);
  const auto first = static_cast<hsize_t>(first_user), count = static_cast<hsize_t>(ids.size());
  h5::WriteRows(file.get(), "/users/ids", H5T_NATIVE_INT64, first, count, ids.data(), temporary);
  h5::WriteRows(file.get(), "/users/personas", H5T_NATIVE_FLOAT, first, count, personas, temporary);
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
}

void FinishModelFile(const std::string& temporary, const std::string& path) { h5::CommitFile(temporary, path); }

void WriteModel(const std::string& path, const ModelData& model) {
  const std::string temporary = path + ".tmp";
  const std::size_t n_users = model.user_ids.size();
  AMPCF_ASSERT(model.personas.size() == n_users * model.shape.user_width());
  CreateModelFile(temporary, model, static_cast<std::int64_t>(n_users));
  WriteModelUsers(temporary, 0, model.user_ids, model.personas.data());
  FinishModelFile(temporary, path);
}

ModelData ReadModel(const std::string& path, std::int64_t first_user, std::int64_t n_users) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "format") <= 0 || h5::ReadStringAttribute(f, "format", path) != kFormat)
    throw UserError(Cat(path, ": not an ampcf model file"));
  const std::int64_t version = h5::ReadIntAttribute(f, "version", path);
  if (version != kVersion && version != kVersionBeforeModels) throw UserError(Cat(path, ": model format version ", version, " is not supported (expected ", kVersion, ")"));
  ModelData model;
  const bool version1 = version == kVersionBeforeModels;
  model.model = version1 ? std::string() : h5::ReadStringAttribute(f, "model", path);
  model.trained_on_validation =
      H5Aexists(f, "trained_on_validation") > 0 && h5::ReadIntAttribute(f, "trained_on_validation", path) == 1;
  model.shape = ReadShapeAttributes(f, path);
  const ModelShape& s = model.shape;
  model.dataset = h5::ReadStringAttribute(f, "dataset", path);
  model.dataset_fingerprint = static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "dataset_fingerprint", path));
  model.config = h5::ReadStringAttribute(f, "config", path);
  model.item_ids = h5::ReadInts(f, "/items/ids", path);
  const std::vector<float> embedding = h5::ReadFloats(f, "/items/embedding", path);
  const std::vector<float> bias = h5::ReadFloats(f, "/items/bias", path);
  std::istringstream dense_paths(version1 ? std::string(kVersion1Dense) : h5::ReadStringAttribute(f, "dense", path));
  for (std::string name; std::getline(dense_paths, name);) {
    if (name.empty()) continue;
    DenseArray& array = model.dense.emplace_back();
    array.path = name;
    const std::vector<hsize_t> dims = h5::Dims(f, "/" + name, path);
    if (dims.size() != 2) throw UserError(Cat(path, ": /", name, " is not a matrix"));
    array.rows = static_cast<std::int64_t>(dims[0]);
    array.cols = static_cast<std::int64_t>(dims[1]);
    array.values = h5::ReadFloats(f, "/" + name, path);
  }
  const std::vector<hsize_t> user_dims = h5::Dims(f, "/users/ids", path);
  if (user_dims.size() != 1) throw UserError(Cat(path, ": /users/ids is not a 1-D array"));
  if (n_users < 0) n_users = static_cast<std::int64_t>(user_dims[0]) - first_user;
  if (first_user < 0 || n_users < 0)
    throw UserError(Cat(path, ": /users/ids has ", user_dims[0], " users, fewer than the ", first_user, " before this rank's"));
  model.first_user = first_user;
  model.user_ids = h5::ReadIntRange(f, "/users/ids", static_cast<hsize_t>(first_user), static_cast<hsize_t>(n_users), path);
  model.user_names = h5::ReadLinesIfPresent(f, "/users/names", path);
  model.item_names = h5::ReadLinesIfPresent(f, "/items/names", path);
  const auto block = static_cast<std::size_t>(s.user_width());
  const std::vector<hsize_t> persona_dims = h5::Dims(f, "/users/personas", path);
  if (persona_dims.size() != 3 || persona_dims[0] != user_dims[0] || persona_dims[1] * persona_dims[2] != block)
    throw UserError(Cat(path, ": array sizes do not match the model shape"));
  model.personas.resize(static_cast<std::size_t>(n_users) * block);
  h5::ReadRows(f, "/users/personas", H5T_NATIVE_FLOAT, static_cast<hsize_t>(first_user), static_cast<hsize_t>(n_users),
               model.personas.data(), path);
  const std::size_t n_items = model.item_ids.size();
  if (embedding.size() != n_items * s.dim || bias.size() != n_items)
    throw UserError(Cat(path, ": array sizes do not match the model shape"));
  model.items.resize(n_items * s.item_width());
  for (std::size_t j = 0; j < n_items; ++j) {
    std::copy_n(&embedding[j * s.dim], s.dim, &model.items[j * s.item_width()]);
    model.items[j * s.item_width() + s.dim] = bias[j];
  }
  return model;
}

std::vector<std::int64_t> ReadModelUserIds(const std::string& path) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  return h5::ReadInts(file.get(), "/users/ids", path);
}

std::vector<std::string> ReadModelUserNames(const std::string& path) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  return h5::ReadLinesIfPresent(file.get(), "/users/names", path);
}

void ReadModelPersonas(const std::string& path, std::int64_t first, std::int64_t count, float* out) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  h5::ReadRows(file.get(), "/users/personas", H5T_NATIVE_FLOAT, static_cast<hsize_t>(first), static_cast<hsize_t>(count),
               out, path);
}

const DenseArray& FindDense(const ModelData& model, const std::string& name, std::int64_t rows, std::int64_t cols,
                            const std::string& path) {
  for (const DenseArray& array : model.dense)
    if (array.path == name) {
      if (array.rows != rows || array.cols != cols)
        throw UserError(Cat(path, ": /", name, " is ", array.rows, " x ", array.cols, ", expected ", rows, " x ", cols));
      return array;
    }
  throw UserError(Cat(path, ": missing /", name, " (a ", model.model, " model has it)"));
}

}  // namespace ampcf
