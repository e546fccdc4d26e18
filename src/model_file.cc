#include "src/model_file.h"

#include "src/checkpoint_file.h"

#include "src/error.h"
#include "src/hdf5_util.h"

namespace ampcf {

namespace {
constexpr const char* kFormat = "ampcf-model";
constexpr std::int64_t kVersion = 1;
}  // namespace

void WriteModel(const std::string& path, const ModelData& model) {
  const ModelShape& s = model.shape;
  const hsize_t n_items = model.item_ids.size(), n_users = model.user_ids.size();
  AMPCF_ASSERT(model.items.size() == n_items * s.item_width());
  AMPCF_ASSERT(model.personas.size() == n_users * s.personas * s.dim);
  std::vector<float> embedding(n_items * s.dim), bias(n_items);
  for (hsize_t j = 0; j < n_items; ++j) {
    std::copy_n(&model.items[j * s.item_width()], s.dim, &embedding[j * s.dim]);
    bias[j] = model.items[j * s.item_width() + s.dim];
  }
  h5::WriteAtomically(path, [&](hid_t file) {
    h5::WriteAttribute(file, "format", std::string(kFormat));
    h5::WriteAttribute(file, "version", kVersion);
    h5::WriteAttribute(file, "personas", std::int64_t{s.personas});
    h5::WriteAttribute(file, "dim", std::int64_t{s.dim});
    h5::WriteAttribute(file, "att_dim", std::int64_t{s.att_dim});
    h5::WriteAttribute(file, "dataset", model.dataset);
    h5::WriteAttribute(file, "dataset_fingerprint", static_cast<std::int64_t>(model.dataset_fingerprint));
    h5::WriteAttribute(file, "config", model.config);
    h5::Handle items = h5::CreateGroup(file, "items");
    h5::WriteInts(items.get(), "ids", model.item_ids.data(), {n_items});
    if (!model.item_names.empty()) h5::WriteLines(items.get(), "names", model.item_names);
    h5::WriteFloats(items.get(), "embedding", embedding.data(), {n_items, hsize_t(s.dim)});
    h5::WriteFloats(items.get(), "bias", bias.data(), {n_items});
    h5::Handle attention = h5::CreateGroup(file, "attention");
    h5::WriteFloats(attention.get(), "A_u", model.att_u.data(), {hsize_t(s.dim), hsize_t(s.att_dim)});
    h5::WriteFloats(attention.get(), "A_v", model.att_v.data(), {hsize_t(s.dim), hsize_t(s.att_dim)});
    h5::Handle users = h5::CreateGroup(file, "users");
    h5::WriteInts(users.get(), "ids", model.user_ids.data(), {n_users});
    if (!model.user_names.empty()) h5::WriteLines(users.get(), "names", model.user_names);
    h5::WriteFloats(users.get(), "personas", model.personas.data(), {n_users, hsize_t(s.personas), hsize_t(s.dim)});
  });
}

namespace {
// A checkpoint's model: its rows' running average (--average-decay), which is the rows
// themselves when averaging is off or the file predates it.
ModelData ModelOfCheckpoint(const std::string& path) {
  const CheckpointInfo info = ReadCheckpointInfo(path);
  ModelData model;
  model.shape = info.header.shape;
  model.dataset = info.header.dataset;
  model.dataset_fingerprint = info.header.dataset_fingerprint;
  model.config = info.header.config;
  model.item_ids = info.header.item_ids;
  model.user_ids = info.header.user_ids;
  auto read_table = [&](const char* table, std::int64_t rows, int width) {
    const std::size_t n = static_cast<std::size_t>(rows) * width;
    std::vector<float> average(n), scratch(4 * n);
    std::vector<std::int32_t> steps(rows);
    ReadCheckpointRows(path, table, width, RowSelection{0, 1, rows},
                       RowArrays{scratch.data(), scratch.data() + n, scratch.data() + 2 * n, scratch.data() + 3 * n,
                                 steps.data(), average.data()});
    return average;
  };
  const ModelShape& s = model.shape;
  model.items = read_table(kCheckpointItems, static_cast<std::int64_t>(model.item_ids.size()), s.item_width());
  std::vector<float> attention = read_table(kCheckpointAttention, 2 * s.dim, s.att_dim);
  const std::size_t half = static_cast<std::size_t>(s.dim) * s.att_dim;
  model.att_u.assign(attention.begin(), attention.begin() + half);
  model.att_v.assign(attention.begin() + half, attention.end());
  model.personas = read_table(kCheckpointUsers, static_cast<std::int64_t>(model.user_ids.size()), s.personas * s.dim);
  return model;
}
}  // namespace

ModelData ReadModel(const std::string& path) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "format") > 0 && h5::ReadStringAttribute(f, "format", path) == "ampcf-checkpoint")
    return ModelOfCheckpoint(path);
  if (H5Aexists(f, "format") <= 0 || h5::ReadStringAttribute(f, "format", path) != kFormat)
    throw UserError(Cat(path, ": not an ampcf model file"));
  const std::int64_t version = h5::ReadIntAttribute(f, "version", path);
  if (version != kVersion) throw UserError(Cat(path, ": model format version ", version, " is not supported (expected ", kVersion, ")"));
  ModelData model;
  model.shape.personas = static_cast<int>(h5::ReadIntAttribute(f, "personas", path));
  model.shape.dim = static_cast<int>(h5::ReadIntAttribute(f, "dim", path));
  model.shape.att_dim = static_cast<int>(h5::ReadIntAttribute(f, "att_dim", path));
  const ModelShape& s = model.shape;
  if (s.personas < 1 || s.dim < 1 || s.att_dim < 1) throw UserError(Cat(path, ": invalid model shape"));
  model.dataset = h5::ReadStringAttribute(f, "dataset", path);
  model.dataset_fingerprint = static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "dataset_fingerprint", path));
  model.config = h5::ReadStringAttribute(f, "config", path);
  model.item_ids = h5::ReadInts(f, "/items/ids", path);
  const std::vector<float> embedding = h5::ReadFloats(f, "/items/embedding", path);
  const std::vector<float> bias = h5::ReadFloats(f, "/items/bias", path);
  model.att_u = h5::ReadFloats(f, "/attention/A_u", path);
  model.att_v = h5::ReadFloats(f, "/attention/A_v", path);
  model.user_ids = h5::ReadInts(f, "/users/ids", path);
  model.user_names = h5::ReadLinesIfPresent(f, "/users/names", path);
  model.item_names = h5::ReadLinesIfPresent(f, "/items/names", path);
  model.personas = h5::ReadFloats(f, "/users/personas", path);
  const std::size_t n_items = model.item_ids.size(), n_users = model.user_ids.size();
  if (embedding.size() != n_items * s.dim || bias.size() != n_items ||
      model.att_u.size() != static_cast<std::size_t>(s.dim) * s.att_dim ||
      model.att_v.size() != static_cast<std::size_t>(s.dim) * s.att_dim ||
      model.personas.size() != n_users * s.personas * s.dim)
    throw UserError(Cat(path, ": array sizes do not match the model shape"));
  model.items.resize(n_items * s.item_width());
  for (std::size_t j = 0; j < n_items; ++j) {
    std::copy_n(&embedding[j * s.dim], s.dim, &model.items[j * s.item_width()]);
    model.items[j * s.item_width() + s.dim] = bias[j];
  }
  return model;
}

}  // namespace ampcf
