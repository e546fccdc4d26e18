#include "data/prepared_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "data/item_info.h"
#include "data/user_share.h"

namespace ampcf {

namespace {

constexpr const char* kFormat = "ampcf-prepared";
// 2: candidates are drawn when needed (only NCF's given test negatives are stored); per-item
// validation counts. 3: the fingerprint is data/fingerprint.h's sum over parts.
constexpr std::int64_t kVersion = 3;

// A user or item count: it must fit the int32 dense ids.
std::int32_t ReadCount(hid_t file, const char* name, const std::string& path) {
  const std::int64_t value = h5::ReadIntAttribute(file, name, path);
  if (value < 0 || value > std::numeric_limits<std::int32_t>::max())
    throw UserError(Cat(path, ": ", name, " = ", value, " is out of range (corrupt prepared file?)"));
  return static_cast<std::int32_t>(value);
}

}  // namespace

void WritePrepared(const std::string& path, const Dataset& data, const DataConfig& config) {
  AMPCF_ASSERT(data.holds_all(), "a prepared file holds every user");
  const std::map<std::int64_t, ItemInfo> info = LoadItemInfo(config.data);
  std::vector<std::string> titles, genres;
  if (!info.empty()) {
    for (std::int64_t id : data.item_ids) {
      auto found = info.find(id);
      titles.push_back(found == info.end() ? "" : found->second.title);
      genres.push_back(found == info.end() ? "" : found->second.genres);
    }
  }
  h5::WriteAtomically(path, [&](hid_t file) {
    h5::WriteAttribute(file, "format", std::string(kFormat));
    h5::WriteAttribute(file, "version", kVersion);
    h5::WriteAttribute(file, "name", data.name);
    h5::WriteAttribute(file, "holdout", data.holdout);
    h5::WriteAttribute(file, "n_users", std::int64_t{data.n_users});
    h5::WriteAttribute(file, "n_items", std::int64_t{data.n_items});
    h5::WriteAttribute(file, "n_train", data.n_train);
    h5::WriteAttribute(file, "total_interactions", data.total_interactions);
    h5::WriteAttribute(file, "fingerprint", static_cast<std::int64_t>(data.fingerprint));
    h5::WriteAttribute(file, "eval_seed", static_cast<std::int64_t>(data.eval_seed));
    h5::WriteAttribute(file, "eval_negatives", std::int64_t{data.eval_negatives});
    h5::WriteAttribute(file, "preparation", Cat("data = ", config.data, "\nformat = ", config.format, "\nmin_items = ",
                                                config.min_items, "\neval_negatives = ", config.eval_negatives,
                                                "\neval_seed = ", config.eval_seed, "\n"));
    auto size = [](const auto& v) { return std::vector<hsize_t>{v.size()}; };
    h5::Handle users = h5::CreateGroup(file, "users");
    h5::WriteInts(users.get(), "ids", data.user_ids.data(), size(data.user_ids));
    if (!data.user_names.empty()) h5::WriteLines(users.get(), "names", data.user_names);
    h5::Handle items = h5::CreateGroup(file, "items");
    h5::WriteInts(items.get(), "ids", data.item_ids.data(), size(data.item_ids));
    h5::WriteInts(items.get(), "train_counts", data.item_train_counts.data(), size(data.item_train_counts));
    h5::WriteInts(items.get(), "validation_counts", data.item_validation_counts.data(), size(data.item_validation_counts));
    if (!data.item_names.empty()) h5::WriteLines(items.get(), "names", data.item_names);
    if (!titles.empty()) {
      h5::WriteLines(items.get(), "titles", titles);
      h5::WriteLines(items.get(), "genres", genres);
    }
    h5::Handle train = h5::CreateGroup(file, "train");
    h5::WriteInts(train.get(), "offsets", data.train_offsets.data(), size(data.train_offsets));
    h5::WriteInt32s(train.get(), "items", data.train_items.data(), size(data.train_items));
    h5::Handle heldout = h5::CreateGroup(file, "heldout");
    h5::WriteInt32s(heldout.get(), "validation", data.val_item.data(), size(data.val_item));
    h5::WriteInt32s(heldout.get(), "test", data.test_item.data(), size(data.test_item));
    if (data.test_candidates_stored) {
      h5::Handle candidates = h5::CreateGroup(file, "candidates");
      h5::WriteInts(candidates.get(), "test_offsets", data.test_candidate_offsets.data(), size(data.test_candidate_offsets));
      h5::WriteInt32s(candidates.get(), "test", data.test_candidates.data(), size(data.test_candidates));
    }
  });
}

bool IsPreparedFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  char signature[8] = {};
  std::ifstream(path, std::ios::binary).read(signature, 8);
  if (std::string(signature, 8) != std::string("\x89HDF\r\n\x1a\n", 8)) return false;  // HDF5's file signature
  h5::QuietErrors();
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  return file.valid() && H5Aexists(file.get(), "format") > 0 &&
         h5::ReadStringAttribute(file.get(), "format", path) == kFormat;
}

namespace {

// Throws UserError naming `path` unless every item of `items` is a dense item id (-1 allowed
// where `none_allowed`).
void CheckItems(const std::vector<std::int32_t>& items, std::int32_t n_items, bool none_allowed, const std::string& path,
                const char* what) {
  for (std::int32_t item : items)
    if (item >= n_items || item < (none_allowed ? -1 : 0))
      throw UserError(Cat(path, ": an item id out of range in ", what, " (corrupt prepared file?)"));
}

// The CSR rows of users [b, e): offsets rebased to 0 and the values between.
void ReadCsrRange(hid_t f, const std::string& offsets_path, const std::string& values_path, hsize_t b, hsize_t e,
                  const std::string& path, std::vector<std::int64_t>& offsets, std::vector<std::int32_t>& values) {
  offsets = h5::ReadIntRange(f, offsets_path, b, e - b + 1, path);
  const std::int64_t first = offsets.front();
  if (!std::is_sorted(offsets.begin(), offsets.end()) || first < 0)
    throw UserError(Cat(path, ": ", offsets_path, " is not ascending (corrupt prepared file?)"));
  for (std::int64_t& offset : offsets) offset -= first;  // checked first: cannot overflow
  values = h5::ReadInt32Range(f, values_path, static_cast<hsize_t>(first), static_cast<hsize_t>(offsets.back()), path);
}

h5::Handle OpenPrepared(const std::string& path) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "format") <= 0 || h5::ReadStringAttribute(f, "format", path) != kFormat)
    throw UserError(Cat(path, ": not a prepared ampcf dataset"));
  const std::int64_t version = h5::ReadIntAttribute(f, "version", path);
  if (version != kVersion)
    throw UserError(Cat(path, ": prepared-data version ", version, ", this ampcf reads ", kVersion,
                        " (run ampcf prepare again)"));
  return file;
}

}  // namespace

Dataset ReadPreparedDescription(const std::string& path) {
  h5::Handle file = OpenPrepared(path);
  const hid_t f = file.get();
  Dataset data;
  data.name = h5::ReadStringAttribute(f, "name", path);
  data.holdout = h5::ReadStringAttribute(f, "holdout", path) + " (prepared: " + path + ")";
  data.n_users = ReadCount(f, "n_users", path);
  data.n_items = ReadCount(f, "n_items", path);
  data.n_train = h5::ReadIntAttribute(f, "n_train", path);
  data.total_interactions = h5::ReadIntAttribute(f, "total_interactions", path);
  data.fingerprint = static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "fingerprint", path));
  data.eval_seed = static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "eval_seed", path));
  data.eval_negatives = static_cast<int>(h5::ReadIntAttribute(f, "eval_negatives", path));
  data.test_candidates_stored = H5Lexists(f, "/candidates", H5P_DEFAULT) > 0;
  data.item_ids = h5::ReadInts(f, "/items/ids", path);
  data.item_train_counts = h5::ReadInts(f, "/items/train_counts", path);
  data.item_validation_counts = h5::ReadInts(f, "/items/validation_counts", path);
  data.item_names = h5::ReadLinesIfPresent(f, "/items/names", path);
  const std::size_t items = static_cast<std::size_t>(data.n_items);
  if (data.n_users < 1 || data.n_items < 1 || data.eval_negatives < 0 || data.item_ids.size() != items ||
      data.item_train_counts.size() != items || data.item_validation_counts.size() != items ||
      (!data.item_names.empty() && data.item_names.size() != items) ||
      h5::Dims(f, "/train/offsets", path) != std::vector<hsize_t>{static_cast<hsize_t>(data.n_users) + 1})
    throw UserError(Cat(path, ": array sizes do not agree (corrupt prepared file?)"));
  data.held = {0, 0};
  data.train_offsets.assign(1, 0);
  if (data.test_candidates_stored) data.test_candidate_offsets.assign(1, 0);
  return data;
}

UserRange ReadPreparedShare(const std::string& path, const Dataset& description, int index, int shares) {
  h5::Handle file = OpenPrepared(path);
  auto corrupt = [&] { return UserError(Cat(path, ": /train/offsets is not ascending within [0, n_train] (corrupt prepared file?)")); };
  auto offset = [&](std::int32_t u) {
    const std::int64_t value = h5::ReadIntRange(file.get(), "/train/offsets", static_cast<hsize_t>(u), 1, path).front();
    if (value < 0 || value > description.n_train) throw corrupt();
    return value;
  };
  const UserRange range = ShareOfUsers(description.n_users, index, shares, offset);
  // Offsets out of order can make the binary search's bounds cross; ReadPreparedUsers checks the rest.
  if (range.begin > range.end) throw corrupt();
  return range;
}

void ReadPreparedUsers(const std::string& path, UserRange range, Dataset& data) {
  AMPCF_ASSERT(range.begin >= 0 && range.begin <= range.end && range.end <= data.n_users);
  h5::Handle file = OpenPrepared(path);
  const hid_t f = file.get();
  const auto b = static_cast<hsize_t>(range.begin), e = static_cast<hsize_t>(range.end);
  data.held = range;
  data.user_ids = h5::ReadIntRange(f, "/users/ids", b, e - b, path);
  data.user_names.clear();
  const std::vector<std::string> names = h5::ReadLinesIfPresent(f, "/users/names", path);  // string ids: small sets
  if (!names.empty()) {
    if (names.size() != static_cast<std::size_t>(data.n_users))
      throw UserError(Cat(path, ": array sizes do not agree (corrupt prepared file?)"));
    data.user_names.assign(names.begin() + range.begin, names.begin() + range.end);
  }
  ReadCsrRange(f, "/train/offsets", "/train/items", b, e, path, data.train_offsets, data.train_items);
  data.val_item = h5::ReadInt32Range(f, "/heldout/validation", b, e - b, path);
  data.test_item = h5::ReadInt32Range(f, "/heldout/test", b, e - b, path);
  if (data.test_candidates_stored)
    ReadCsrRange(f, "/candidates/test_offsets", "/candidates/test", b, e, path, data.test_candidate_offsets,
                 data.test_candidates);
  CheckItems(data.train_items, data.n_items, false, path, "/train/items");
  CheckItems(data.val_item, data.n_items, true, path, "/heldout/validation");
  CheckItems(data.test_item, data.n_items, false, path, "/heldout/test");
  CheckItems(data.test_candidates, data.n_items, false, path, "/candidates/test");
}

Dataset ReadPrepared(const std::string& path) {
  Dataset data = ReadPreparedDescription(path);
  ReadPreparedUsers(path, {0, data.n_users}, data);
  if (data.n_train != static_cast<std::int64_t>(data.train_items.size()) || ComputeFingerprint(data) != data.fingerprint)
    throw UserError(Cat(path, ": contents do not match the stored fingerprint (corrupt prepared file?)"));
  return data;
}

void ReadPreparedItemInfo(const std::string& path, std::vector<std::int64_t>& item_ids, std::vector<std::string>& titles,
                          std::vector<std::string>& genres) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  item_ids = h5::ReadInts(file.get(), "/items/ids", path);
  titles.clear();
  genres.clear();
  if (H5Lexists(file.get(), "/items/titles", H5P_DEFAULT) <= 0) return;
  titles = h5::ReadLines(file.get(), "/items/titles", path);
  genres = h5::ReadLines(file.get(), "/items/genres", path);
}

}  // namespace ampcf
