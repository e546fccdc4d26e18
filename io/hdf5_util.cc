#include "io/hdf5_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"

namespace ampcf::h5 {

void QuietErrors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

Handle CreateFile(const std::string& path) {
  QuietErrors();
  Handle properties(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  H5Pset_obj_track_times(properties.get(), false);  // the root group too: same model, same bytes
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, properties.get(), H5P_DEFAULT);
  if (id < 0) throw UserError(Cat(path, ": cannot create HDF5 file"));
  return Handle(id, H5Fclose);
}

Handle OpenFileReadOnly(const std::string& path) {
  QuietErrors();
  if (!std::filesystem::exists(path)) throw UserError(Cat(path, ": no such file"));
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) throw UserError(Cat(path, ": not a readable HDF5 file (truncated or corrupt?)"));
  return Handle(id, H5Fclose);
}

Handle CreateGroup(hid_t parent, const char* name) {
  Handle properties(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_obj_track_times(properties.get(), false);
  hid_t id = H5Gcreate2(parent, name, H5P_DEFAULT, properties.get(), H5P_DEFAULT);
  if (id < 0) throw UserError(Cat("cannot create HDF5 group ", name));
  return Handle(id, H5Gclose);
}

namespace {
void WriteArray(hid_t parent, const char* name, hid_t type, const void* data, const std::vector<hsize_t>& dims) {
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  // No modification times: the same model gives the same bytes (deterministic-mode checks).
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(properties.get(), false);
  Handle set(H5Dcreate2(parent, name, type, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT), H5Dclose);
  if (!set.valid() || H5Dwrite(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 || !set.Close())
    throw UserError(Cat("cannot write HDF5 dataset ", name));
}

template <typename T>
std::vector<T> ReadArray(hid_t file, const std::string& path, hid_t type, const std::string& file_name) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) throw UserError(Cat(file_name, ": missing dataset ", path));
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw UserError(Cat(file_name, ": cannot open dataset ", path));
  Handle space(H5Dget_space(set.get()), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 0) throw UserError(Cat(file_name, ": bad dataspace of ", path));
  std::vector<T> values(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(set.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    throw UserError(Cat(file_name, ": cannot read ", path, " (truncated or corrupt file?)"));
  return values;
}
}  // namespace

void WriteFloats(hid_t parent, const char* name, const float* data, const std::vector<hsize_t>& dims) {
  WriteArray(parent, name, H5T_NATIVE_FLOAT, data, dims);
}
void WriteInts(hid_t parent, const char* name, const std::int64_t* data, const std::vector<hsize_t>& dims) {
  WriteArray(parent, name, H5T_NATIVE_INT64, data, dims);
}
void WriteDoubles(hid_t parent, const char* name, const double* data, const std::vector<hsize_t>& dims) {
  WriteArray(parent, name, H5T_NATIVE_DOUBLE, data, dims);
}
void WriteInt32s(hid_t parent, const char* name, const std::int32_t* data, const std::vector<hsize_t>& dims) {
  WriteArray(parent, name, H5T_NATIVE_INT32, data, dims);
}

void WriteAttribute(hid_t object, const char* name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute(H5Acreate2(object, name, H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_INT64, &value) < 0)
    throw UserError(Cat("cannot write HDF5 attribute ", name));
}

void WriteAttribute(hid_t object, const char* name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute(H5Acreate2(object, name, H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attribute.valid() || H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw UserError(Cat("cannot write HDF5 attribute ", name));
}

void WriteAttribute(hid_t object, const char* name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<std::size_t>(value.size(), 1));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attribute(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), padded.data()) < 0)
    throw UserError(Cat("cannot write HDF5 attribute ", name));
}

std::vector<hsize_t> Dims(hid_t file, const std::string& path, const std::string& file_name) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) throw UserError(Cat(file_name, ": missing dataset ", path));
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(set.get()), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw UserError(Cat(file_name, ": bad dataspace of ", path));
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::vector<float> ReadFloats(hid_t file, const std::string& path, const std::string& file_name) {
  return ReadArray<float>(file, path, H5T_NATIVE_FLOAT, file_name);
}

std::vector<std::int64_t> ReadInts(hid_t file, const std::string& path, const std::string& file_name) {
  return ReadArray<std::int64_t>(file, path, H5T_NATIVE_INT64, file_name);
}

std::vector<std::int32_t> ReadInt32s(hid_t file, const std::string& path, const std::string& file_name) {
  return ReadArray<std::int32_t>(file, path, H5T_NATIVE_INT32, file_name);
}

void WriteLines(hid_t parent, const char* name, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const hsize_t size = text.size();
  Handle space(H5Screate_simple(1, &size, nullptr), H5Sclose);
  Handle set(H5Dcreate2(parent, name, H5T_NATIVE_CHAR, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  if (!set.valid() || (!text.empty() && H5Dwrite(set.get(), H5T_NATIVE_CHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0) ||
      !set.Close())
    throw UserError(Cat("cannot write HDF5 dataset ", name));
}

std::vector<std::string> ReadLinesIfPresent(hid_t file, const std::string& path, const std::string& file_name) {
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return {};
  return ReadLines(file, path, file_name);
}

std::vector<std::string> ReadLines(hid_t file, const std::string& path, const std::string& file_name) {
  const std::vector<hsize_t> dims = Dims(file, path, file_name);
  // H5Dread fills every element: the text is sized for a 1-D array only.
  if (dims.size() > 1) throw UserError(Cat(file_name, ": ", path, " is not a 1-D array"));
  std::string text(dims.empty() ? 0 : dims[0], '\0');
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!text.empty() && H5Dread(set.get(), H5T_NATIVE_CHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) < 0)
    throw UserError(Cat(file_name, ": cannot read ", path));
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

namespace {
// Opens attribute `name`, which must hold one value: H5Aread writes every element, and the
// readers below give it room for one.
Handle OpenSingleAttribute(hid_t object, const char* name, const std::string& file_name) {
  if (H5Aexists(object, name) <= 0) throw UserError(Cat(file_name, ": missing attribute ", name));
  Handle attribute(H5Aopen(object, name, H5P_DEFAULT), H5Aclose);
  Handle space(H5Aget_space(attribute.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    throw UserError(Cat(file_name, ": attribute ", name, " is not a single value"));
  return attribute;
}
}  // namespace

std::int64_t ReadIntAttribute(hid_t object, const char* name, const std::string& file_name) {
  Handle attribute = OpenSingleAttribute(object, name, file_name);
  std::int64_t value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_INT64, &value) < 0)
    throw UserError(Cat(file_name, ": cannot read attribute ", name));
  return value;
}

double ReadDoubleAttribute(hid_t object, const char* name, const std::string& file_name) {
  Handle attribute = OpenSingleAttribute(object, name, file_name);
  double value = 0;
  if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) < 0)
    throw UserError(Cat(file_name, ": cannot read attribute ", name));
  return value;
}

std::string ReadStringAttribute(hid_t object, const char* name, const std::string& file_name) {
  Handle attribute = OpenSingleAttribute(object, name, file_name);
  Handle type(H5Aget_type(attribute.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) throw UserError(Cat(file_name, ": attribute ", name, " is not a string"));
  std::size_t size = H5Tget_size(type.get());
  std::string value(size, '\0');
  Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(memory_type.get(), size);
  H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD);
  if (H5Aread(attribute.get(), memory_type.get(), value.data()) < 0)
    throw UserError(Cat(file_name, ": cannot read attribute ", name));
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

namespace {
template <typename T>
std::vector<T> ReadRange(hid_t file, const std::string& path, hsize_t begin, hsize_t count, hid_t type,
                         const std::string& file_name) {
  const std::vector<hsize_t> dims = Dims(file, path, file_name);
  if (dims.size() != 1 || begin > dims[0] || count > dims[0] - begin)
    throw UserError(Cat(file_name, ": ", path, " has ", dims.empty() ? 0 : dims[0], " elements, not [", begin, ", ",
                        static_cast<std::int64_t>(begin + count), ")"));
  std::vector<T> out(count);
  if (count == 0) return out;
  Handle set(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(set.get()), H5Sclose);
  Handle memory(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &begin, nullptr, &count, nullptr) < 0 ||
      H5Dread(set.get(), type, memory.get(), space.get(), H5P_DEFAULT, out.data()) < 0)
    throw UserError(Cat(file_name, ": cannot read ", path));
  return out;
}
}  // namespace

std::vector<std::int64_t> ReadIntRange(hid_t file, const std::string& path, hsize_t begin, hsize_t count,
                                       const std::string& file_name) {
  return ReadRange<std::int64_t>(file, path, begin, count, H5T_NATIVE_INT64, file_name);
}

std::vector<std::int32_t> ReadInt32Range(hid_t file, const std::string& path, hsize_t begin, hsize_t count,
                                         const std::string& file_name) {
  return ReadRange<std::int32_t>(file, path, begin, count, H5T_NATIVE_INT32, file_name);
}

Handle OpenFileReadWrite(const std::string& path) {
  QuietErrors();
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (id < 0) throw UserError(Cat(path, ": cannot open the file being written"));
  return Handle(id, H5Fclose);
}

void CreateChecksummedArray(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& dims) {
  std::vector<hsize_t> chunk = dims;
  chunk[0] = std::max<hsize_t>(1, std::min<hsize_t>(dims[0], kChecksumRows));
  for (hsize_t& c : chunk) c = std::max<hsize_t>(c, 1);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_obj_track_times(properties.get(), false);
  if (dims[0] > 0) {
    H5Pset_chunk(properties.get(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_fletcher32(properties.get());
  }
  Handle set(H5Dcreate2(parent, name, type, space.get(), H5P_DEFAULT, properties.get(), H5P_DEFAULT), H5Dclose);
  if (!set.valid()) throw UserError(Cat("cannot create HDF5 dataset ", name));
}

namespace {
// Rows [first, first + count) of the array at `path`, written or read.
void TransferRows(hid_t file, const char* path, hid_t type, hsize_t first, hsize_t count, void* data, bool write,
               const std::string& file_name) {
  if (count == 0) return;
  Handle set(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  Handle space(H5Dget_space(set.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 1)));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  std::vector<hsize_t> start(dims.size(), 0), extent = dims;
  start[0] = first;
  extent[0] = count;
  Handle memory(H5Screate_simple(rank, extent.data(), nullptr), H5Sclose);
  if (!set.valid() || first > dims[0] || count > dims[0] - first ||
      H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr) < 0 ||
      (write ? H5Dwrite(set.get(), type, memory.get(), space.get(), H5P_DEFAULT, data)
             : H5Dread(set.get(), type, memory.get(), space.get(), H5P_DEFAULT, data)) < 0 ||
      (write && !set.Close()))
    throw UserError(Cat(file_name, ": cannot ", write ? "write" : "read", " rows ", first, "..", first + count, " of ", path));
}
}  // namespace

void WriteRows(hid_t file, const char* path, hid_t type, hsize_t first, hsize_t count, const void* data,
               const std::string& file_name) {
  TransferRows(file, path, type, first, count, const_cast<void*>(data), true, file_name);
}

void ReadRows(hid_t file, const char* path, hid_t type, hsize_t first, hsize_t count, void* data,
              const std::string& file_name) {
  TransferRows(file, path, type, first, count, data, false, file_name);
}

void CommitFile(const std::string& temporary, const std::string& path) {
  auto sync = [](const std::string& name) {
    const int fd = ::open(name.c_str(), O_RDONLY);
    if (fd < 0) throw UserError(Cat(name, ": cannot open to flush to disk"));
    const int status = ::fsync(fd);
    ::close(fd);
    if (status != 0) throw UserError(Cat(name, ": cannot flush to disk"));
  };
  sync(temporary);
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) throw UserError(Cat(path, ": cannot rename from ", temporary, ": ", error.message()));
  const std::string folder = std::filesystem::path(path).parent_path().string();
  sync(folder.empty() ? "." : folder);
}

}  // namespace ampcf::h5
