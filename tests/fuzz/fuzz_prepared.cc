// Fuzzes the prepared-file loader: the whole file (ReadPrepared, IsPreparedFile,
// ReadPreparedItemInfo) and a rank's share of it (ReadPreparedDescription, ReadPreparedShare,
// ReadPreparedUsers), which cannot lean on the fingerprint.
//
// Structured, not raw bytes: HDF5 parses a file's own metadata (B-trees, heaps, object headers)
// with little defence against corrupt bytes and is not instrumented here, so raw-byte inputs
// mostly stop at the signature or end in HDF5's own crashes, which we cannot fix. What we own is
// the validation of a well-formed HDF5 file whose contents are wrong. So every input is a list
// of edits to a valid prepared file:
//  - edits to the Dataset before it is written (sizes, values, counts): the stored fingerprint
//    then matches, so the checks behind the fingerprint check are reached;
//  - edits through the HDF5 API afterwards: an attribute or dataset deleted, or replaced by one
//    of another type (ints, doubles, fixed or variable-length strings), rank or size, or a group.
// A UserError is the expected end; a file that loads must hold what training and evaluation
// index with (CheckUsable), else the target aborts.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "data/prepared_file.h"
#include "io/hdf5_util.h"
#include "tests/fuzz/fuzz_files.h"
#include "tests/fuzz/hdf5_edits.h"

namespace ampcf {
namespace {

// Two users, three items, every array filled: a valid prepared dataset to start from.
Dataset Base() {
  Dataset data;
  data.name = "fuzz";
  data.holdout = "latest";
  data.n_users = 2;
  data.n_items = 3;
  data.user_ids = {10, 20};
  data.item_ids = {1, 2, 3};
  data.train_offsets = {0, 2, 3};
  data.train_items = {0, 1, 2};
  data.val_item = {1, -1};
  data.test_item = {2, 0};
  data.test_candidates_stored = true;
  data.test_candidate_offsets = {0, 1, 2};
  data.test_candidates = {1, 1};
  data.item_train_counts = {1, 1, 1};
  data.item_validation_counts = {0, 1, 0};
  data.n_train = 3;
  data.eval_negatives = 1;
  data.total_interactions = 7;
  data.held = {0, 2};
  data.fingerprint = ComputeFingerprint(data);
  return data;
}

template <typename T>
void EditVector(FuzzedDataProvider& in, std::vector<T>& values) {
  if (in.ConsumeBool()) {
    values.resize(in.ConsumeIntegralInRange<std::size_t>(0, 6));
  } else if (!values.empty()) {
    const std::size_t at = in.ConsumeIntegralInRange<std::size_t>(0, values.size() - 1);
    values[at] = in.ConsumeBool() ? in.ConsumeIntegralInRange<T>(-2, 5) : in.ConsumeIntegral<T>();
  }
}

void EditDataset(FuzzedDataProvider& in, Dataset& data) {
  switch (in.ConsumeIntegralInRange(0, 15)) {
    case 0: data.n_users = in.ConsumeIntegralInRange(-1, 4); break;
    case 1: data.n_items = in.ConsumeIntegralInRange(-1, 4); break;
    case 2: EditVector(in, data.user_ids); break;
    case 3: EditVector(in, data.item_ids); break;
    case 4: EditVector(in, data.train_offsets); break;
    case 5: EditVector(in, data.train_items); break;
    case 6: EditVector(in, data.val_item); break;
    case 7: EditVector(in, data.test_item); break;
    case 8: data.test_candidates_stored = in.ConsumeBool(); break;
    case 9: data.eval_negatives = in.ConsumeIntegralInRange(-1, 5); break;
    case 10: EditVector(in, data.test_candidate_offsets); break;
    case 11: EditVector(in, data.test_candidates); break;
    case 12: EditVector(in, data.item_train_counts); break;
    case 13: EditVector(in, data.item_validation_counts); break;
    case 14: data.n_train = in.ConsumeIntegralInRange(-1, 5); break;
    default:
      (in.ConsumeBool() ? data.user_names : data.item_names)
          .resize(in.ConsumeIntegralInRange<std::size_t>(0, 4), in.ConsumeRandomLengthString(4));
  }
}

constexpr const char* kAttributes[] = {"format",      "version",   "name",          "holdout",        "n_users",
                                       "n_items",     "n_train",   "total_interactions", "fingerprint", "eval_seed",
                                       "eval_negatives", "preparation"};
constexpr const char* kDatasets[] = {"/users/ids",          "/items/ids",   "/items/train_counts", "/items/validation_counts",
                                     "/users/names",        "/items/names", "/items/titles",       "/items/genres",
                                     "/train/offsets",      "/train/items", "/heldout/validation", "/heldout/test",
                                     "/candidates/test_offsets", "/candidates/test"};

// What the users of a loaded Dataset (or share of one) index with, unchecked: a file that loads
// must hold it. Drawing every held user's candidates exercises the lookups themselves.
void CheckUsable(const Dataset& data) {
  auto fail = [](const char* what) {
    std::fprintf(stderr, "the prepared-file loader accepted a file with %s\n", what);
    std::abort();
  };
  const auto items = static_cast<std::size_t>(data.n_items);
  if (data.n_users < 0 || data.n_items < 0) fail("a negative count");
  if (data.held.begin < 0 || data.held.begin > data.held.end || data.held.end > data.n_users) fail("a bad share");
  const auto users = static_cast<std::size_t>(data.held.size());
  if (data.item_ids.size() != items || data.item_train_counts.size() != items ||
      data.item_validation_counts.size() != items)
    fail("item arrays of the wrong size");
  if (data.user_ids.size() != users) fail("user ids of the wrong size");
  if (!data.user_names.empty() && data.user_names.size() != users) fail("user names of the wrong count");
  if (!data.item_names.empty() && data.item_names.size() != items) fail("item names of the wrong count");
  auto check_csr = [&](const std::vector<std::int64_t>& offsets, const std::vector<std::int32_t>& members) {
    if (offsets.size() != users + 1 || offsets.front() != 0 ||
        offsets.back() != static_cast<std::int64_t>(members.size()))
      fail("offsets that do not span their array");
    for (std::size_t u = 0; u < users; ++u)
      if (offsets[u] > offsets[u + 1]) fail("decreasing offsets");
    for (std::int32_t item : members)
      if (item < 0 || item >= data.n_items) fail("an item out of range");
  };
  check_csr(data.train_offsets, data.train_items);
  if (data.test_candidates_stored) check_csr(data.test_candidate_offsets, data.test_candidates);
  if (data.val_item.size() != users || data.test_item.size() != users) fail("held-out arrays of the wrong size");
  for (std::size_t u = 0; u < users; ++u)
    if (data.val_item[u] < -1 || data.val_item[u] >= data.n_items || data.test_item[u] < 0 ||
        data.test_item[u] >= data.n_items)
      fail("a held-out item out of range");
  std::vector<std::int32_t> candidates;
  for (std::int32_t u = data.held.begin; u < data.held.end; ++u)
    for (HeldOut which : {HeldOut::kValidation, HeldOut::kTest}) data.Candidates(which, u, candidates);
}

// A rank's share, as a run reads it.
Dataset ReadShare(const std::string& path, int index, int shares) {
  Dataset data = ReadPreparedDescription(path);
  ReadPreparedUsers(path, ReadPreparedShare(path, data, index, shares), data);
  return data;
}

}  // namespace
}  // namespace ampcf

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  using namespace ampcf;
  FuzzedDataProvider in(bytes, size);
  Dataset data = Base();
  const int dataset_edits = in.ConsumeIntegralInRange(0, 4);
  for (int e = 0; e < dataset_edits; ++e) EditDataset(in, data);
  data.held = {0, data.n_users};  // the writer takes every user; the stored fingerprint goes stale
  const int shares = in.ConsumeIntegralInRange(1, 3), share = in.ConsumeIntegralInRange(0, shares - 1);
  const std::string path = (fuzz::Folder() / "prepared.h5").string();
  try {
    WritePrepared(path, data, DataConfig{});
  } catch (const UserError&) {
    return 0;  // HDF5 refused to write these arrays: nothing to load
  }
  fuzz::EditFileUntilTheEnd(in, path, kAttributes, kDatasets);
  fuzz::ExpectOnlyUserErrors([&] { IsPreparedFile(path); });
  fuzz::ExpectOnlyUserErrors([&] { CheckUsable(ReadPrepared(path)); });
  fuzz::ExpectOnlyUserErrors([&] { CheckUsable(ReadShare(path, share, shares)); });
  std::vector<std::int64_t> item_ids;
  std::vector<std::string> titles, genres;
  fuzz::ExpectOnlyUserErrors([&] { ReadPreparedItemInfo(path, item_ids, titles, genres); });
  return 0;
}
