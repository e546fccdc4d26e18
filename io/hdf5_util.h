// Small RAII and helpers over the HDF5 C API (serial HDF5 from Debian's libhdf5-dev).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ampcf::h5 {

// Owns an HDF5 identifier and closes it with the right call.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      close_ = other.close_;
      other.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes, ignoring a failure: for reading, and for unwinding after an error.
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }
  // Closes and returns whether the close succeeded. A dataset or file being written must be
  // closed so: closing writes out what HDF5 still caches (a chunked dataset's chunks), and on a
  // full disk that write is the one that fails.
  bool Close() {
    const bool ok = id_ < 0 || close_ == nullptr || close_(id_) >= 0;
    id_ = -1;
    return ok;
  }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

// Silences HDF5's own error printing: ampcf reports errors itself, in one line.
void QuietErrors();

Handle CreateFile(const std::string& path);  // truncates
Handle OpenFileReadOnly(const std::string& path);
Handle CreateGroup(hid_t parent, const char* name);

void WriteFloats(hid_t parent, const char* name, const float* data, const std::vector<hsize_t>& dims);
void WriteInts(hid_t parent, const char* name, const std::int64_t* data, const std::vector<hsize_t>& dims);
void WriteDoubles(hid_t parent, const char* name, const double* data, const std::vector<hsize_t>& dims);
void WriteInt32s(hid_t parent, const char* name, const std::int32_t* data, const std::vector<hsize_t>& dims);
void WriteAttribute(hid_t object, const char* name, std::int64_t value);
void WriteAttribute(hid_t object, const char* name, double value);
void WriteAttribute(hid_t object, const char* name, const std::string& value);

// Readers throw UserError("<file>: <what>") when the object is missing or of another shape.
std::vector<hsize_t> Dims(hid_t file, const std::string& path, const std::string& file_name);
std::vector<float> ReadFloats(hid_t file, const std::string& path, const std::string& file_name);
std::vector<std::int64_t> ReadInts(hid_t file, const std::string& path, const std::string& file_name);
std::vector<std::int32_t> ReadInt32s(hid_t file, const std::string& path, const std::string& file_name);
Handle OpenFileReadWrite(const std::string& path);
// An N-D array of `dims`, chunked by rows (kChecksumRows per chunk) with Fletcher-32
// checksums, so HDF5 refuses to read a corrupted chunk; filled later with WriteRows.
constexpr hsize_t kChecksumRows = 4096;
void CreateChecksummedArray(hid_t parent, const char* name, hid_t type, const std::vector<hsize_t>& dims);
// Writes rows [first, first + count) of the array at `path` (all other dimensions whole) from
// `data`, contiguous in memory.
void WriteRows(hid_t file, const char* path, hid_t type, hsize_t first, hsize_t count, const void* data,
               const std::string& file_name);
// Reads rows [first, first + count) of the array at `path` (all other dimensions whole) into
// `data`; UserError naming the file when they are absent.
void ReadRows(hid_t file, const char* path, hid_t type, hsize_t first, hsize_t count, void* data,
              const std::string& file_name);
// Moves a finished `temporary` file to `path`: flushed to disk, renamed, the folder flushed.
void CommitFile(const std::string& temporary, const std::string& path);

// Elements [begin, begin + count) of a one-dimensional dataset (a hyperslab: only they are read);
// UserError when the dataset is missing, not 1-D or shorter.
std::vector<std::int64_t> ReadIntRange(hid_t file, const std::string& path, hsize_t begin, hsize_t count,
                                       const std::string& file_name);
std::vector<std::int32_t> ReadInt32Range(hid_t file, const std::string& path, hsize_t begin, hsize_t count,
                                         const std::string& file_name);
std::int64_t ReadIntAttribute(hid_t object, const char* name, const std::string& file_name);
double ReadDoubleAttribute(hid_t object, const char* name, const std::string& file_name);
// Lists of strings as one '\n'-joined char array (h5py: bytes(f[path][:]).decode().split("\n")).
void WriteLines(hid_t parent, const char* name, const std::vector<std::string>& lines);
std::vector<std::string> ReadLines(hid_t file, const std::string& path, const std::string& file_name);
// The same for an optional dataset: empty when the file has none at `path`.
std::vector<std::string> ReadLinesIfPresent(hid_t file, const std::string& path, const std::string& file_name);
std::string ReadStringAttribute(hid_t object, const char* name, const std::string& file_name);

// Writes via `path`.tmp, flushes and renames over `path`.
template <typename WriteBody>
void WriteAtomically(const std::string& path, WriteBody&& body);

}  // namespace ampcf::h5

#include "io/hdf5_util_inl.h"
