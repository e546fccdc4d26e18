#include "io/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "io/shape_attributes.h"

namespace ampcf {

namespace {

constexpr const char* kFormat = "ampcf-checkpoint";
constexpr std::int64_t kVersion = 2;
// Version 1 files hold AMP-CF's three tables and name neither the model nor the tables.
constexpr std::int64_t kVersionBeforeModels = 1;
constexpr const char* kFloatArrays[] = {"values", "adam_m", "adam_v", "best", "average"};
constexpr int kFloatArrayCount = 5;
constexpr std::int64_t kRowsPerBlock = 4096;  // chunk and verification block, in rows

using h5::Handle;

void CreateChunkedArray(hid_t group, const char* name, hid_t type, hsize_t rows, hsize_t width) {
  const int rank = width == 0 ? 1 : 2;
  const hsize_t dims[2] = {rows, width};
  const hsize_t chunk[2] = {std::max<hsize_t>(1, std::min<hsize_t>(rows, kRowsPerBlock)), std::max<hsize_t>(width, 1)};
  Handle space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(properties.get(), false);
  if (rows > 0) {
    H5Pset_chunk(properties.get(), rank, chunk);
    H5Pset_fletcher32(properties.get());
  }
  Handle set(H5Dcreate2(group, name, type, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw UserError(Cat("cannot create checkpoint array ", name));
}

// The file-side selection of `rows` (all columns), and the matching contiguous memory space.
void Select(hid_t file_space, const RowSelection& rows, hsize_t width, bool two_d) {
  const hsize_t start[2] = {static_cast<hsize_t>(rows.start), 0};
  const hsize_t stride[2] = {static_cast<hsize_t>(rows.stride), 1};
  const hsize_t count[2] = {static_cast<hsize_t>(rows.count), 1};
  const hsize_t block[2] = {1, width};
  H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, stride, count, two_d ? block : nullptr);
}

// Reads or writes the selected rows of /table/name.
void TransferRows(hid_t file, const std::string& file_name, const char* table, const char* name, hid_t type,
                  int width, const RowSelection& rows, void* data, bool write) {
  const std::string path = Cat("/", table, "/", name);
  if (H5Lexists(file, table, H5P_DEFAULT) <= 0 || H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0)
    throw UserError(Cat(file_name, ": missing ", path));
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle file_space(H5Dget_space(set.get()), H5Sclose);
  const bool two_d = width > 0;
  hsize_t dims[2] = {0, 0};
  if (H5Sget_simple_extent_ndims(file_space.get()) != (two_d ? 2 : 1))
    throw UserError(Cat(file_name, ": ", path, " has an unexpected shape"));
  H5Sget_simple_extent_dims(file_space.get(), dims, nullptr);
  if (two_d && dims[1] != static_cast<hsize_t>(width))
    throw UserError(Cat(file_name, ": ", path, " has rows of ", dims[1], " values, this run needs ", width));
  if (rows.count == 0) return;
  if (static_cast<hsize_t>(rows.start + (rows.count - 1) * rows.stride) >= dims[0])
    throw UserError(Cat(file_name, ": ", path, " has ", dims[0], " rows, fewer than this run needs"));
  Select(file_space.get(), rows, static_cast<hsize_t>(width), two_d);
  const hsize_t memory_dims[2] = {static_cast<hsize_t>(rows.count), static_cast<hsize_t>(std::max(width, 1))};
  Handle memory_space(H5Screate_simple(two_d ? 2 : 1, memory_dims, nullptr), H5Sclose);
  const herr_t status = write ? H5Dwrite(set.get(), type, memory_space.get(), file_space.get(), H5P_DEFAULT, data)
                              : H5Dread(set.get(), type, memory_space.get(), file_space.get(), H5P_DEFAULT, data);
  if (status < 0 || (write && !set.Close()))
    throw UserError(Cat(file_name, ": cannot ", write ? "write " : "read ", path,
                        write ? "" : " (a checksum failed: corrupt or truncated file)"));
}

void TransferTable(hid_t file, const std::string& file_name, const char* table, int width, const RowSelection& rows,
                   const RowArrays& arrays, bool write) {
  float* floats[] = {arrays.values, arrays.adam_m, arrays.adam_v, arrays.best, arrays.average};
  for (int a = 0; a < kFloatArrayCount - 1; ++a)
    TransferRows(file, file_name, table, kFloatArrays[a], H5T_NATIVE_FLOAT, width, rows, floats[a], write);
  // A version-1 file may lack the average (it predates --average-decay): its rows are their own.
  // A reader without an average (arrays.average null) skips it.
  const std::string average = Cat("/", table, "/average");
  if (!write && arrays.average == nullptr) {
  } else if (write || H5Lexists(file, average.c_str(), H5P_DEFAULT) > 0)
    TransferRows(file, file_name, table, "average", H5T_NATIVE_FLOAT, width, rows, arrays.average, write);
  else
    std::copy_n(arrays.values, static_cast<std::size_t>(rows.count) * width, arrays.average);
  TransferRows(file, file_name, table, "adam_steps", H5T_NATIVE_INT32, 0, rows, arrays.adam_steps, write);
}

// RowArrays over one buffer of kFloatArrayCount arrays of n floats each.
RowArrays ArraysIn(std::vector<float>& floats, std::size_t n, std::vector<std::int32_t>& steps) {
  float* f = floats.data();
  return RowArrays{f, f + n, f + 2 * n, f + 3 * n, steps.data(), f + 4 * n};
}

Handle OpenReadWrite(const std::string& path) {
  h5::QuietErrors();
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) throw UserError(Cat(path, ": cannot open the checkpoint being written"));
  return Handle(id, H5Fclose);
}

std::vector<double> ReadDoubles(hid_t file, const std::string& path, const std::string& file_name) {
  const std::vector<hsize_t> dims = h5::Dims(file, path, file_name);
  if (dims.size() != 1) throw UserError(Cat(file_name, ": ", path, " is not a 1-D array"));
  std::vector<double> values(dims[0]);
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!values.empty() && H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw UserError(Cat(file_name, ": cannot read ", path));
  return values;
}

// The checkpoint files in `dir`, oldest first (names sort by clock).
std::vector<std::string> ListCheckpoints(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) return found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("checkpoint-", 0) == 0 && entry.path().extension() == ".h5") found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

void SyncToDisk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw UserError(Cat(path, ": cannot open to flush to disk"));
  const int status = ::fsync(fd);
  ::close(fd);
  if (status != 0) throw UserError(Cat(path, ": cannot flush to disk"));
}

}  // namespace

std::string CheckpointPath(const std::string& dir, std::int64_t clock) {
  char name[64];
  std::snprintf(name, sizeof(name), "checkpoint-%012lld.h5", static_cast<long long>(clock));
  return (std::filesystem::path(dir) / name).string();
}

void CreateCheckpoint(const std::string& path, const CheckpointHeader& header, const TrainingState& state) {
  Handle file = h5::CreateFile(path);
  const hid_t root = file.get();
  h5::WriteAttribute(root, "format", std::string(kFormat));
  h5::WriteAttribute(root, "version", kVersion);
  h5::WriteAttribute(root, "model", header.model);
  std::string table_lines;
  for (const CheckpointTable& table : header.tables) table_lines += Cat(table.name, " ", table.rows, " ", table.width, "\n");
  h5::WriteAttribute(root, "tables", table_lines);
  WriteShapeAttributes(root, header.shape);
  h5::WriteAttribute(root, "dataset", header.dataset);
  h5::WriteAttribute(root, "dataset_fingerprint", static_cast<std::int64_t>(header.dataset_fingerprint));
  h5::WriteAttribute(root, "config", header.config);
  h5::WriteAttribute(root, "seed", static_cast<std::int64_t>(header.seed));
  h5::WriteAttribute(root, "n_workers", std::int64_t{header.n_workers});
  h5::WriteAttribute(root, "n_servers", std::int64_t{header.n_servers});
  h5::WriteAttribute(root, "epoch", state.epoch);
  h5::WriteAttribute(root, "step", state.step);
  h5::WriteAttribute(root, "steps_per_epoch", state.steps_per_epoch);
  h5::WriteAttribute(root, "clock", state.clock);
  h5::WriteAttribute(root, "best_epoch", std::int64_t{state.best_epoch});
  h5::WriteAttribute(root, "best_score", state.best_score);
  h5::WriteAttribute(root, "best_val_hr", state.best_val_hr);
  h5::WriteAttribute(root, "best_val_ndcg", state.best_val_ndcg);
  h5::WriteAttribute(root, "since_best", std::int64_t{state.since_best});
  h5::WriteAttribute(root, "train_seconds", state.train_seconds);

  for (const CheckpointTable& table : header.tables) {
    Handle group = h5::CreateGroup(root, table.name.c_str());
    const auto rows = static_cast<hsize_t>(table.rows);
    for (const char* array : kFloatArrays)
      CreateChunkedArray(group.get(), array, H5T_NATIVE_FLOAT, rows, static_cast<hsize_t>(table.width));
    CreateChunkedArray(group.get(), "adam_steps", H5T_NATIVE_INT32, rows, 0);
    const std::vector<std::int64_t>* ids =
        table.name == "items" ? &header.item_ids : table.name == "users" ? &header.user_ids : nullptr;
    if (ids != nullptr && !ids->empty())
      h5::WriteInts(group.get(), "ids", ids->data(), {ids->size()});
    else if (ids != nullptr)  // filled by the ranks holding the rows (WriteCheckpointIds)
      h5::CreateChecksummedArray(group.get(), "ids", H5T_NATIVE_INT64, {rows});
  }
  Handle history = h5::CreateGroup(root, "history");
  h5::WriteDoubles(history.get(), "loss", state.loss.data(), {state.loss.size()});
  h5::WriteDoubles(history.get(), "val_hr", state.val_hr.data(), {state.val_hr.size()});
  h5::WriteDoubles(history.get(), "val_ndcg", state.val_ndcg.data(), {state.val_ndcg.size()});
  h5::WriteDoubles(history.get(), "seconds", state.seconds.data(), {state.seconds.size()});
  Handle workers = h5::CreateGroup(root, "workers");
  h5::WriteDoubles(workers.get(), "loss_sum", state.worker_loss_sums.data(), {state.worker_loss_sums.size()});
  if (H5Fflush(root, H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(path, ": cannot flush"));
}

void WriteCheckpointRows(const std::string& path, const char* table, int width, const RowSelection& rows,
                         const RowArrays& arrays) {
  {
    Handle file = OpenReadWrite(path);
    TransferTable(file.get(), path, table, width, rows, arrays, true);
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(path, ": cannot flush"));
  }
  // Read back what was written, a block of rows at a time (a rank's rows may be gigabytes):
  // HDF5 checks the checksums on the way.
  Handle file = h5::OpenFileReadOnly(path);
  std::vector<float> floats(static_cast<std::size_t>(std::min(rows.count, kRowsPerBlock)) * width * kFloatArrayCount);
  std::vector<std::int32_t> steps(static_cast<std::size_t>(std::min(rows.count, kRowsPerBlock)));
  for (std::int64_t first = 0; first < rows.count; first += kRowsPerBlock) {
    const RowSelection block{rows.start + first * rows.stride, rows.stride, std::min(kRowsPerBlock, rows.count - first)};
    const std::size_t n = static_cast<std::size_t>(block.count) * width, skip = static_cast<std::size_t>(first) * width;
    const RowArrays back = ArraysIn(floats, n, steps);
    TransferTable(file.get(), path, table, width, block, back, false);
    const float* written[] = {arrays.values, arrays.adam_m, arrays.adam_v, arrays.best, arrays.average};
    for (int a = 0; a < kFloatArrayCount; ++a)
      if (!std::equal(written[a] + skip, written[a] + skip + n, floats.data() + a * n))
        throw UserError(Cat(path, ": /", table, "/", kFloatArrays[a], " reads back differently from what was written"));
  }
}

void WriteCheckpointIds(const std::string& path, const char* table, std::int64_t first, std::span<const std::int64_t> ids) {
  Handle file = OpenReadWrite(path);
  h5::WriteRows(file.get(), Cat("/", table, "/ids").c_str(), H5T_NATIVE_INT64, static_cast<hsize_t>(first), ids.size(),
                ids.data(), path);
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(path, ": cannot flush"));
}

void FinishCheckpoint(const std::string& temporary, const std::string& path, int keep) {
  {
    Handle file = OpenReadWrite(temporary);
    h5::WriteAttribute(file.get(), "complete", std::int64_t{1});
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) throw UserError(Cat(temporary, ": cannot flush"));
  }
  SyncToDisk(temporary);
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw UserError(Cat(path, ": cannot rename from ", temporary, ": ", error.message()));
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  SyncToDisk(dir.string());
  // Keep the newest `keep`.
  const std::vector<std::string> existing = ListCheckpoints(dir);
  for (std::size_t i = 0; i + keep < existing.size(); ++i) std::filesystem::remove(existing[i], error);
}

CheckpointInfo ReadCheckpointInfo(const std::string& path) {
  Handle file = h5::OpenFileReadOnly(path);
  const hid_t root = file.get();
  if (H5Aexists(root, "format") <= 0 || h5::ReadStringAttribute(root, "format", path) != kFormat)
    throw UserError(Cat(path, ": not an ampcf checkpoint"));
  const std::int64_t version = h5::ReadIntAttribute(root, "version", path);
  if (version != kVersion && version != kVersionBeforeModels)
    throw UserError(Cat(path, ": checkpoint version ", version, ", this ampcf reads version ", kVersion));
  if (H5Aexists(root, "complete") <= 0) throw UserError(Cat(path, ": unfinished checkpoint (no 'complete' mark)"));
  CheckpointInfo info;
  CheckpointHeader& h = info.header;
  h.shape = ReadShapeAttributes(root, path);
  h.dataset = h5::ReadStringAttribute(root, "dataset", path);
  h.dataset_fingerprint = static_cast<std::uint64_t>(h5::ReadIntAttribute(root, "dataset_fingerprint", path));
  h.config = h5::ReadStringAttribute(root, "config", path);
  h.seed = static_cast<std::uint64_t>(h5::ReadIntAttribute(root, "seed", path));
  h.n_workers = static_cast<int>(h5::ReadIntAttribute(root, "n_workers", path));
  h.n_servers = static_cast<int>(h5::ReadIntAttribute(root, "n_servers", path));
  h.item_ids = h5::ReadInts(root, "/items/ids", path);
  h.user_ids = h5::ReadInts(root, "/users/ids", path);
  if (version == kVersionBeforeModels) {
    h.model.clear();
    h.tables = {{"items", static_cast<std::int64_t>(h.item_ids.size()), h.shape.item_width()},
                {"attention", 2 * h.shape.dim, h.shape.Size("att_dim")},
                {"users", static_cast<std::int64_t>(h.user_ids.size()), h.shape.personas * h.shape.dim}};
  } else {
    h.model = h5::ReadStringAttribute(root, "model", path);
    std::istringstream lines(h5::ReadStringAttribute(root, "tables", path));
    CheckpointTable table;
    while (lines >> table.name >> table.rows >> table.width) h.tables.push_back(table);
    if (h.tables.empty()) throw UserError(Cat(path, ": the checkpoint names no tables"));
  }
  TrainingState& s = info.state;
  s.epoch = h5::ReadIntAttribute(root, "epoch", path);
  s.step = h5::ReadIntAttribute(root, "step", path);
  s.steps_per_epoch = h5::ReadIntAttribute(root, "steps_per_epoch", path);
  s.clock = h5::ReadIntAttribute(root, "clock", path);
  s.best_epoch = static_cast<int>(h5::ReadIntAttribute(root, "best_epoch", path));
  s.best_score = h5::ReadDoubleAttribute(root, "best_score", path);
  s.best_val_hr = h5::ReadDoubleAttribute(root, "best_val_hr", path);
  s.best_val_ndcg = h5::ReadDoubleAttribute(root, "best_val_ndcg", path);
  s.since_best = static_cast<int>(h5::ReadIntAttribute(root, "since_best", path));
  s.train_seconds = h5::ReadDoubleAttribute(root, "train_seconds", path);
  s.loss = ReadDoubles(root, "/history/loss", path);
  s.val_hr = ReadDoubles(root, "/history/val_hr", path);
  s.val_ndcg = ReadDoubles(root, "/history/val_ndcg", path);
  s.seconds = ReadDoubles(root, "/history/seconds", path);
  s.worker_loss_sums = ReadDoubles(root, "/workers/loss_sum", path);
  if (s.epoch < 1 || s.step < 0 || s.steps_per_epoch < 1 || s.step > s.steps_per_epoch || s.clock < 0)
    throw UserError(Cat(path, ": attributes epoch ", s.epoch, ", step ", s.step, ", steps_per_epoch ", s.steps_per_epoch,
                        ", clock ", s.clock, " are not a position in a run"));
  if (h.n_workers < 1 || h.n_servers < 1 || static_cast<int>(s.worker_loss_sums.size()) != h.n_workers)
    throw UserError(Cat(path, ": /workers/loss_sum has ", s.worker_loss_sums.size(), " values for attribute n_workers ",
                        h.n_workers));
  for (const std::vector<double>* history : {&s.val_hr, &s.val_ndcg, &s.seconds})
    if (history->size() != s.loss.size())
      throw UserError(Cat(path, ": the /history arrays differ in length (", s.loss.size(), " losses)"));
  // Each table's arrays must be what the header says, before anyone sizes a buffer by it.
  for (const CheckpointTable& table : h.tables) {
    const std::string values = Cat("/", table.name, "/values");
    if (table.rows < 0 || table.width < 1 || H5Lexists(root, table.name.c_str(), H5P_DEFAULT) <= 0 ||
        H5Lexists(root, values.c_str(), H5P_DEFAULT) <= 0 ||
        h5::Dims(root, values, path) != std::vector<hsize_t>{static_cast<hsize_t>(table.rows), static_cast<hsize_t>(table.width)})
      throw UserError(Cat(path, ": attribute tables says ", table.name, " is ", table.rows, " x ", table.width,
                          ", which ", values, " is not"));
    const std::int64_t ids = table.name == "items" ? static_cast<std::int64_t>(h.item_ids.size())
                             : table.name == "users" ? static_cast<std::int64_t>(h.user_ids.size()) : table.rows;
    if (ids != table.rows)
      throw UserError(Cat(path, ": /", table.name, "/ids has ", ids, " ids for ", table.rows, " rows"));
  }
  return info;
}

bool IsCheckpointFile(const std::string& path) {
  Handle file = h5::OpenFileReadOnly(path);
  return H5Aexists(file.get(), "format") > 0 && h5::ReadStringAttribute(file.get(), "format", path) == kFormat;
}

void ReadCheckpointRows(const std::string& path, const char* table, int width, const RowSelection& rows,
                        const RowArrays& arrays) {
  Handle file = h5::OpenFileReadOnly(path);
  TransferTable(file.get(), path, table, width, rows, arrays, false);
}

void VerifyCheckpoint(const std::string& path) {
  const CheckpointInfo info = ReadCheckpointInfo(path);
  Handle file = h5::OpenFileReadOnly(path);
  for (const CheckpointTable& table : info.header.tables) {
    for (std::int64_t start = 0; start < table.rows; start += kRowsPerBlock) {
      const RowSelection rows{start, 1, std::min(kRowsPerBlock, table.rows - start)};
      const std::size_t n = static_cast<std::size_t>(rows.count) * table.width;
      std::vector<float> floats(kFloatArrayCount * n);
      std::vector<std::int32_t> steps(static_cast<std::size_t>(rows.count));
      const RowArrays arrays = ArraysIn(floats, n, steps);
      TransferTable(file.get(), path, table.name.c_str(), table.width, rows, arrays, false);
    }
  }
}

std::string FindLatestCheckpoint(const std::string& dir, std::vector<std::string>& warnings) {
  const std::vector<std::string> found = ListCheckpoints(dir);
  for (auto path = found.rbegin(); path != found.rend(); ++path) {
    try {
      VerifyCheckpoint(*path);
      return *path;
    } catch (const UserError& failure) {
      warnings.push_back(Cat("skipping ", failure.what()));
    }
  }
  return "";
}

std::string DescribeCheckpoint(const std::string& path) {
  VerifyCheckpoint(path);
  const CheckpointInfo info = ReadCheckpointInfo(path);
  const CheckpointHeader& h = info.header;
  const TrainingState& s = info.state;
  std::ostringstream out;
  out << path << ": ampcf checkpoint v" << kVersion << ", checksums verified, "
      << std::filesystem::file_size(path) << " bytes\n"
      << "  dataset      " << h.dataset << " (fingerprint " << std::hex << h.dataset_fingerprint << std::dec << "): "
      << h.user_ids.size() << " users, " << h.item_ids.size() << " items\n"
      << "  model        " << h.model << " " << ShapeText(h.shape) << "\n"
      << "  written by   " << h.n_workers << " worker(s), " << h.n_servers << " server(s); seed " << h.seed << "\n"
      << "  position     epoch " << s.epoch << ", step " << s.step << " of " << s.steps_per_epoch << " (clock "
      << s.clock << "), " << s.train_seconds << " s of training\n"
      << "  best so far  epoch " << s.best_epoch << ": val HR@10 " << s.best_val_hr << " NDCG@10 " << s.best_val_ndcg
      << " (" << s.since_best << " epoch(s) since)\n";
  for (std::size_t e = 0; e < s.loss.size(); ++e)
    out << "  epoch " << e + 1 << "  loss " << s.loss[e] << "  val HR@10 " << s.val_hr[e] << " NDCG@10 " << s.val_ndcg[e]
        << "\n";
  return out.str();
}

}  // namespace ampcf
