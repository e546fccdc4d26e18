#include "models/trained_rows.h"

#include <algorithm>

#include "core/error.h"
#include "io/model_file.h"
#include "models/registry.h"

namespace ampcf {

namespace {

// A model file's rows: the server tables as the model imports them (the item side is read
// whole), the users' rows block by block from the file.
class ModelFileRowSource final : public RowSource {
 public:
  ModelFileRowSource(std::string path, const Model& model, const ModelData& item_side)
      : path_(std::move(path)),
        item_ids_(item_side.item_ids),
        user_ids_(ReadModelUserIds(path_)),
        item_names_(item_side.item_names),
        user_width_(model.shape().user_width()),
        server_specs_(ServerTables(model)),
        server_tables_(model.ImportTables(item_side, path_)) {}

  const std::string& path() const override { return path_; }
  const std::vector<std::int64_t>& item_ids() const override { return item_ids_; }
  const std::vector<std::int64_t>& user_ids() const override { return user_ids_; }
  std::vector<std::string> ItemNames() const override { return item_names_; }
  std::vector<std::string> UserNames() const override { return ReadModelUserNames(path_); }
  bool has_optimiser_state() const override { return false; }

  std::int64_t Rows(const std::string& name, int width) const override {
    if (const std::size_t t = ServerTable(name); t < server_specs_.size()) {
      CheckWidth(name, server_specs_[t].width, width);
      return static_cast<std::int64_t>(server_tables_[t].size() / width);
    }
    CheckWidth(name, user_width_, width);
    return static_cast<std::int64_t>(user_ids_.size());
  }

  void Read(const std::string& name, int width, std::int64_t first, std::int64_t count,
            const RowArrays& arrays) const override {
    AMPCF_ASSERT(first >= 0 && first + count <= Rows(name, width), name, ": rows beyond the source's");
    if (const std::size_t t = ServerTable(name); t < server_specs_.size())
      std::copy_n(&server_tables_[t][static_cast<std::size_t>(first) * width], static_cast<std::size_t>(count) * width,
                  arrays.values);
    else
      ReadModelPersonas(path_, first, count, arrays.values);
  }

 private:
  // The server table called `name`; server_specs_.size() for the per-user table.
  std::size_t ServerTable(const std::string& name) const {
    for (std::size_t t = 0; t < server_specs_.size(); ++t)
      if (server_specs_[t].name == name) return t;
    return server_specs_.size();
  }
  void CheckWidth(const std::string& name, int theirs, int ours) const {
    if (theirs != ours)
      throw UserError(Cat(path_, ": table ", name, " has rows of ", theirs, " floats; this run's have ", ours));
  }

  std::string path_;
  std::vector<std::int64_t> item_ids_, user_ids_;
  std::vector<std::string> item_names_;
  int user_width_;
  std::vector<TableSpec> server_specs_;
  std::vector<std::vector<float>> server_tables_;
};

void CheckSameModel(const std::string& path, const std::string& theirs, const ModelShape& their_shape,
                    const Model& model) {
  if (FindModel(theirs).name != model.name())
    throw UserError(Cat("--init-from ", path, ": a model of --model ", FindModel(theirs).name, "; this run has --model ",
                        model.name()));
  if (their_shape != model.shape())
    throw UserError(Cat("--init-from ", path, ": a model of shape ", ShapeText(their_shape), "; this run's is ",
                        ShapeText(model.shape())));
}

}  // namespace

std::unique_ptr<RowSource> OpenTrainedRows(const std::string& path, const Model& model) {
  if (IsCheckpointFile(path)) {
    const CheckpointInfo info = ReadCheckpointInfo(path);
    CheckSameModel(path, info.header.model, info.header.shape, model);
    return std::make_unique<CheckpointRowSource>(path, info);
  }
  const ModelData item_side = ReadModel(path, 0, 0);
  CheckSameModel(path, item_side.model, item_side.shape, model);
  return std::make_unique<ModelFileRowSource>(path, model, item_side);
}

}  // namespace ampcf
