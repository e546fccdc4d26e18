// What the HDF5 fuzz targets share: edits, made from the fuzzer's input, to a valid file that a
// target wrote itself (see fuzz_prepared.cc for why edits and not raw bytes).
#pragma once

#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/hdf5_util.h"

namespace ampcf::fuzz {

// A type to store, and a buffer of `points` values of it made from the input.
struct Stored {
  h5::Handle type;
  std::vector<char> bytes;
  std::vector<std::string> texts;    // variable-length strings' values
  std::vector<const char*> strings;  // ... and what HDF5 reads: pointers into texts
  const void* data() const { return strings.empty() ? static_cast<const void*>(bytes.data()) : strings.data(); }
};

inline Stored MakeValues(FuzzedDataProvider& in, hsize_t points) {
  Stored stored;
  switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0: stored.type = h5::Handle(H5Tcopy(H5T_NATIVE_INT64), H5Tclose); break;
    case 1: stored.type = h5::Handle(H5Tcopy(H5T_NATIVE_INT32), H5Tclose); break;
    case 2: stored.type = h5::Handle(H5Tcopy(H5T_NATIVE_DOUBLE), H5Tclose); break;
    case 3:
      stored.type = h5::Handle(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(stored.type.get(), in.ConsumeIntegralInRange<std::size_t>(1, 16));
      break;
    default:
      stored.type = h5::Handle(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(stored.type.get(), H5T_VARIABLE);
      // Text from the input: numbers and lists too (a checkpoint's "tables" attribute).
      for (hsize_t p = 0; p < points; ++p) stored.texts.push_back(in.ConsumeRandomLengthString(40));
      for (const std::string& text : stored.texts) stored.strings.push_back(text.c_str());
      return stored;
  }
  stored.bytes.resize(points * H5Tget_size(stored.type.get()));
  for (char& byte : stored.bytes) byte = static_cast<char>(in.ConsumeIntegral<std::uint8_t>());
  return stored;
}

inline h5::Handle MakeSpace(FuzzedDataProvider& in, hsize_t& points) {
  const int rank = in.ConsumeIntegralInRange(0, 2);
  std::vector<hsize_t> dims(rank);
  points = 1;
  for (hsize_t& d : dims) points *= (d = in.ConsumeIntegralInRange<hsize_t>(0, 4));
  if (rank == 0) return h5::Handle(H5Screate(H5S_SCALAR), H5Sclose);
  return h5::Handle(H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
}

// Deletes an attribute of the root or a dataset, or replaces it by another one made from the
// input (a group in a dataset's place, or values of another type, rank or size).
template <std::size_t A, std::size_t D>
void EditFile(FuzzedDataProvider& in, hid_t file, const char* const (&attributes)[A], const char* const (&datasets)[D]) {
  const bool attribute = in.ConsumeBool();
  const char* name = attribute ? attributes[in.ConsumeIntegralInRange<std::size_t>(0, A - 1)]
                               : datasets[in.ConsumeIntegralInRange<std::size_t>(0, D - 1)];
  if (attribute) {
    if (H5Aexists(file, name) > 0) H5Adelete(file, name);
  } else if (H5Lexists(file, name, H5P_DEFAULT) > 0) {
    H5Ldelete(file, name, H5P_DEFAULT);
  }
  const int what = in.ConsumeIntegralInRange(0, 3);
  if (what == 0) return;  // deleted
  if (!attribute && what == 1) {
    h5::Handle group(H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    return;
  }
  hsize_t points = 0;
  h5::Handle space = MakeSpace(in, points);
  Stored values = MakeValues(in, points);
  if (attribute) {
    h5::Handle made(H5Acreate2(file, name, values.type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (made.valid() && points > 0) H5Awrite(made.get(), values.type.get(), values.data());
  } else {
    h5::Handle made(H5Dcreate2(file, name, values.type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    H5Dclose);
    if (made.valid() && points > 0) H5Dwrite(made.get(), values.type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  }
}

// Applies edits to the file at `path` until the input is used up.
template <std::size_t A, std::size_t D>
void EditFileUntilTheEnd(FuzzedDataProvider& in, const std::string& path, const char* const (&attributes)[A],
                         const char* const (&datasets)[D]) {
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) std::abort();
  while (in.remaining_bytes() > 0) EditFile(in, file.get(), attributes, datasets);
}

}  // namespace ampcf::fuzz
