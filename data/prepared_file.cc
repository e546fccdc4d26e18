#include "data/prepared_file.h"

#include <filesystem>
#include <fstream>
#include <limits>

#include "core/error.h"
#include "io/hdf5_util.h"
#include "data/item_info.h"

namespace ampcf {

namespace {

constexpr const char* kFormat = "ampcf-prepared";
constexpr std::int64_t kVersion = 1;

// A user or item count: it must fit the int32 dense ids.
std::int32_t ReadCount(hid_t file, const char* name, const std::string& path) {
  const std::int64_t value = h5::ReadIntAttribute(file, name, path);
  if (value < 0 || value > std::numeric_limits<std::int32_t>::max())
    throw UserError(Cat(path, ": ", name, " = ", value, " is out of range (corrupt prepared file?)"));
  return static_cast<std::int32_t>(value);
}

// Whether `offsets` (n_users + 1 of them, from 0, never decreasing) span `members` exactly and
// every member is an item.
bool SpansItems(const std::vector<std::int64_t>& offsets, const std::vector<std::int32_t>& members, std::int32_t n_users,
                std::int32_t n_items) {
  if (offsets.size() != static_cast<std::size_t>(n_users) + 1 || offsets.front() != 0 ||
      offsets.back() != static_cast<std::int64_t>(members.size()))
    return false;
  for (std::size_t u = 0; u + 1 < offsets.size(); ++u)
    if (offsets[u] > offsets[u + 1]) return false;
  for (std::int32_t item : members)
    if (item < 0 || item >= n_items) return false;
  return true;
}

// A held-out item: an item, or -1 for none.
bool HeldOutOk(std::int32_t item, std::int32_t n_items) { return item >= -1 && item < n_items; }

}  // namespace

void WritePrepared(const std::string& path, const Dataset& data, const DataConfig& config) {
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
    h5::WriteAttribute(file, "total_interactions", data.total_interactions);
    h5::WriteAttribute(file, "fingerprint", static_cast<std::int64_t>(data.Fingerprint()));
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
    h5::Handle candidates = h5::CreateGroup(file, "candidates");
    h5::WriteInts(candidates.get(), "validation_offsets", data.val_negative_offsets.data(), size(data.val_negative_offsets));
    h5::WriteInt32s(candidates.get(), "validation", data.val_negatives.data(), size(data.val_negatives));
    h5::WriteInts(candidates.get(), "test_offsets", data.test_negative_offsets.data(), size(data.test_negative_offsets));
    h5::WriteInt32s(candidates.get(), "test", data.test_negatives.data(), size(data.test_negatives));
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

Dataset ReadPrepared(const std::string& path) {
  h5::Handle file = h5::OpenFileReadOnly(path);
  const hid_t f = file.get();
  if (H5Aexists(f, "format") <= 0 || h5::ReadStringAttribute(f, "format", path) != kFormat)
    throw UserError(Cat(path, ": not a prepared ampcf dataset"));
  const std::int64_t version = h5::ReadIntAttribute(f, "version", path);
  if (version != kVersion) throw UserError(Cat(path, ": prepared-data version ", version, ", this ampcf reads ", kVersion));
  Dataset data;
  data.name = h5::ReadStringAttribute(f, "name", path);
  data.holdout = h5::ReadStringAttribute(f, "holdout", path) + " (prepared: " + path + ")";
  data.n_users = ReadCount(f, "n_users", path);
  data.n_items = ReadCount(f, "n_items", path);
  data.total_interactions = h5::ReadIntAttribute(f, "total_interactions", path);
  data.user_ids = h5::ReadInts(f, "/users/ids", path);
  data.item_ids = h5::ReadInts(f, "/items/ids", path);
  data.item_train_counts = h5::ReadInts(f, "/items/train_counts", path);
  data.user_names = h5::ReadLinesIfPresent(f, "/users/names", path);
  data.item_names = h5::ReadLinesIfPresent(f, "/items/names", path);
  data.train_offsets = h5::ReadInts(f, "/train/offsets", path);
  data.train_items = h5::ReadInt32s(f, "/train/items", path);
  data.val_item = h5::ReadInt32s(f, "/heldout/validation", path);
  data.test_item = h5::ReadInt32s(f, "/heldout/test", path);
  data.val_negative_offsets = h5::ReadInts(f, "/candidates/validation_offsets", path);
  data.val_negatives = h5::ReadInt32s(f, "/candidates/validation", path);
  data.test_negative_offsets = h5::ReadInts(f, "/candidates/test_offsets", path);
  data.test_negatives = h5::ReadInt32s(f, "/candidates/test", path);
  // Consistency: sizes, then the fingerprint over everything.
  const std::size_t users = static_cast<std::size_t>(data.n_users), items = static_cast<std::size_t>(data.n_items);
  const bool sizes_ok = data.user_ids.size() == users && data.item_ids.size() == items &&
                        data.item_train_counts.size() == items && data.val_item.size() == users &&
                        data.test_item.size() == users && (data.user_names.empty() || data.user_names.size() == users) &&
                        (data.item_names.empty() || data.item_names.size() == items) &&
                        SpansItems(data.train_offsets, data.train_items, data.n_users, data.n_items) &&
                        SpansItems(data.val_negative_offsets, data.val_negatives, data.n_users, data.n_items) &&
                        SpansItems(data.test_negative_offsets, data.test_negatives, data.n_users, data.n_items);
  if (!sizes_ok) throw UserError(Cat(path, ": array sizes do not agree (corrupt prepared file?)"));
  if (static_cast<std::uint64_t>(h5::ReadIntAttribute(f, "fingerprint", path)) != data.Fingerprint())
    throw UserError(Cat(path, ": contents do not match the stored fingerprint (corrupt prepared file?)"));
  // The fingerprint proves the file unchanged, not that its writer was right: training and
  // evaluation index with these without checking.
  for (std::size_t u = 0; u < users; ++u)
    if (!HeldOutOk(data.val_item[u], data.n_items) || !HeldOutOk(data.test_item[u], data.n_items))
      throw UserError(Cat(path, ": a held-out item out of range (corrupt prepared file?)"));
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
