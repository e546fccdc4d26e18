#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

#include "data/dataset.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "data/prepared_file.h"
#include "data/synthetic.h"
#include "io/hdf5_util.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

RawData Rows(std::initializer_list<Interaction> rows) {
  RawData raw;
  raw.name = "toy";
  raw.rows = rows;
  raw.has_timestamps = true;
  return raw;
}

std::vector<std::int64_t> TrainIds(const Dataset& data, std::int32_t u) {
  std::vector<std::int64_t> ids;
  for (std::int32_t j : data.TrainItems(u)) ids.push_back(data.item_ids[j]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(Prepare, LeaveLastOutByTimestamp) {
  DataConfig config;
  config.eval_negatives = 2;
  // User 7: items by time 30 (t=1), 10 (t=2), 20 (t=3), 40 (t=4) -> test 40, validation 20.
  Dataset data = Prepare(Rows({{7, 40, 4}, {7, 30, 1}, {7, 10, 2}, {7, 20, 3}, {8, 10, 1}, {8, 50, 2}, {8, 60, 3}}),
                         config);
  ASSERT_EQ(data.n_users, 2);
  EXPECT_EQ(data.user_ids, (std::vector<std::int64_t>{7, 8}));
  EXPECT_EQ(data.item_ids[data.test_item[0]], 40);
  EXPECT_EQ(data.item_ids[data.val_item[0]], 20);
  EXPECT_EQ(TrainIds(data, 0), (std::vector<std::int64_t>{10, 30}));
  EXPECT_EQ(data.num_train(), 3);  // 2 + 1
  EXPECT_EQ(data.item_train_counts[std::find(data.item_ids.begin(), data.item_ids.end(), 10) - data.item_ids.begin()], 2);
}

TEST(Prepare, TiesKeepFileOrderAndUsersWithTwoItemsHaveNoValidation) {
  DataConfig config;
  Dataset data = Prepare(Rows({{1, 5, 9}, {1, 6, 9}, {2, 5, 1}, {2, 6, 1}, {2, 7, 1}}), config);
  EXPECT_EQ(data.item_ids[data.test_item[0]], 6);  // same time: the later line is "last"
  EXPECT_EQ(data.val_item[0], -1);                  // 2 items: train on one, test on one
  EXPECT_EQ(data.item_ids[data.test_item[1]], 7);
  EXPECT_EQ(data.item_ids[data.val_item[1]], 6);
}

TEST(Prepare, DropsUsersWithOneItemAndKeepsLatestDuplicate) {
  DataConfig config;
  // User 1 rated item 5 twice; the later rating (t=9) is the one kept, so 5 is the test item.
  Dataset data = Prepare(Rows({{1, 5, 1}, {1, 6, 2}, {1, 5, 9}, {2, 5, 1}}), config);
  ASSERT_EQ(data.n_users, 1);
  EXPECT_EQ(data.user_ids[0], 1);
  EXPECT_EQ(data.item_ids[data.test_item[0]], 5);
  EXPECT_EQ(TrainIds(data, 0), (std::vector<std::int64_t>{6}));
  DataConfig strict;
  strict.min_items = 5;
  EXPECT_THROW(Prepare(Rows({{1, 5, 1}, {1, 6, 2}}), strict), UserError);
}

// Item ids in a compact range are read through a bitmap and a table, others by sorting and
// searching: both give the sorted ids and the same dense ids.
TEST(Prepare, ItemIdsOfAnyRangeAreSortedAndMapped) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min(), kMax = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::vector<std::int64_t>> id_sets = {
      {-7, -3, 0, 250, 400},  // compact, negative ids among them
      {kMin, -3, 5, kMax},    // spans more than int64's range
      {3, 1000000007, 42}};   // sparse
  for (const std::vector<std::int64_t>& ids : id_sets) {
    RawData raw;
    raw.name = "toy";
    raw.has_timestamps = true;
    // Two users see every id, in opposite time orders: each one's latest is its test item.
    for (std::size_t k = 0; k < ids.size(); ++k) {
      raw.rows.push_back({1, ids[k], static_cast<std::int64_t>(k)});
      raw.rows.push_back({2, ids[k], static_cast<std::int64_t>(ids.size() - k)});
    }
    DataConfig config;
    config.eval_negatives = 1;
    const Dataset data = Prepare(raw, config);
    std::vector<std::int64_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(data.item_ids, sorted);
    EXPECT_EQ(data.item_ids[data.test_item[0]], ids.back());
    EXPECT_EQ(data.item_ids[data.test_item[1]], ids.front());
    EXPECT_EQ(data.item_ids[data.val_item[0]], ids[ids.size() - 2]);
    std::vector<std::int64_t> train(ids.begin(), ids.end() - 2);
    std::sort(train.begin(), train.end());
    EXPECT_EQ(TrainIds(data, 0), train);
  }
}

TEST(Prepare, TheDatasetDoesNotDependOnTheThreadCount) {
  Rng rng(3);
  RawData raw = Rows({});
  for (int r = 0; r < 60000; ++r)  // users of several hold-out tasks
    raw.rows.push_back({static_cast<std::int64_t>(UniformIndex(rng, 9000)), static_cast<std::int64_t>(UniformIndex(rng, 400)),
                        static_cast<std::int64_t>(UniformIndex(rng, 50))});
  DataConfig config;
  SetComputeThreads(1);
  const Dataset one = Prepare(raw, config);
  SetComputeThreads(3);
  const Dataset three = Prepare(raw, config);
  SetComputeThreads(1);
  EXPECT_GT(one.n_users, 4096);
  EXPECT_EQ(one.train_items, three.train_items);
  EXPECT_EQ(one.train_offsets, three.train_offsets);
  EXPECT_EQ(one.test_item, three.test_item);
  EXPECT_EQ(one.val_item, three.val_item);
  EXPECT_EQ(one.Fingerprint(), three.Fingerprint());
}

TEST(Prepare, NegativesAreUnseenDistinctAndReproducible) {
  SyntheticSpec spec;
  spec.users = 200;
  spec.items = 300;
  DataConfig config;
  Dataset a = Prepare(GenerateSynthetic(spec).raw, config);
  Dataset b = Prepare(GenerateSynthetic(spec).raw, config);
  EXPECT_EQ(a.Fingerprint(), b.Fingerprint());
  std::vector<std::int32_t> negatives, again;
  for (std::int32_t u = 0; u < a.n_users; ++u) {
    const std::span<const std::int32_t> train = a.TrainItems(u);
    std::set<std::int32_t> seen(train.begin(), train.end());
    seen.insert(a.TestItem(u));
    if (a.ValItem(u) >= 0) seen.insert(a.ValItem(u));
    std::set<std::int32_t> drawn;
    a.Candidates(HeldOut::kTest, u, negatives);
    b.Candidates(HeldOut::kTest, u, again);
    EXPECT_EQ(negatives, again);
    ASSERT_EQ(negatives.size(), 99u);
    for (std::int32_t j : negatives) {
      EXPECT_EQ(seen.count(j), 0u);
      EXPECT_TRUE(drawn.insert(j).second) << "negatives repeat";
    }
  }
  DataConfig other = config;
  other.eval_seed = 99;
  const Dataset c = Prepare(GenerateSynthetic(spec).raw, other);
  a.Candidates(HeldOut::kTest, 0, negatives);
  c.Candidates(HeldOut::kTest, 0, again);
  EXPECT_NE(negatives, again);
}

TEST(Prepare, NcfGivenNegativesWithoutTheTestItem) {
  RawData raw;
  raw.name = "ncf";
  raw.presplit = true;
  raw.rows = {{0, 0, 0}, {0, 1, 0}, {0, 2, 0}};
  raw.test_rows = {{0, 3, 0}};
  raw.given_negatives[0] = {4, 3, 5};  // NCF's file sometimes lists the test item among them
  DataConfig config;
  Dataset data = Prepare(raw, config);
  EXPECT_EQ(data.item_ids[data.test_item[0]], 3);
  std::vector<std::int64_t> negatives;
  std::vector<std::int32_t> candidates;
  data.Candidates(HeldOut::kTest, 0, candidates);
  for (std::int32_t item : candidates) negatives.push_back(data.item_ids[item]);
  EXPECT_EQ(negatives, (std::vector<std::int64_t>{4, 5}));
  EXPECT_GE(data.val_item[0], 0);  // no timestamps: a seeded random training item
  EXPECT_EQ(data.num_train(), 2);
  // --untimed-validation none: no validation item, every training item is trained on.
  config.untimed_validation = "none";
  Dataset whole = Prepare(raw, config);
  EXPECT_EQ(whole.val_item[0], -1);
  EXPECT_EQ(whole.num_train(), 3);
  // Known timestamps: the latest training item validates, whatever the option says.
  raw.rows = {{0, 0, 30}, {0, 1, 10}, {0, 2, 20}};
  raw.timestamp_known = {1, 1, 1};
  Dataset timed = Prepare(raw, config);
  EXPECT_EQ(timed.item_ids[timed.val_item[0]], 0);
}

TEST(Prepare, MinItemRatingsDropsRareItemsFirst) {
  // Items 30 and 40 are rated once: with --min-item-ratings 2 they go, and user 3 (left with one
  // item) too.
  RawData raw = Rows({{1, 10, 1}, {1, 20, 2}, {1, 30, 3}, {2, 10, 1}, {2, 20, 2}, {3, 10, 1}, {3, 40, 2}});
  DataConfig config;
  config.eval_negatives = 1;
  EXPECT_EQ(Prepare(raw, config).n_items, 4);
  config.min_item_ratings = 2;
  const Dataset data = Prepare(raw, config);
  EXPECT_EQ(data.n_items, 2);
  EXPECT_EQ(data.n_users, 2);
}

TEST(Prepared, RoundTripAndCorruption) {
  SyntheticSpec spec;
  spec.users = 300;
  spec.items = 150;
  DataConfig config;
  const Dataset data = Prepare(GenerateSynthetic(spec).raw, config);
  testing::TempDir dir;
  const std::string path = dir.File("prepared.h5", "");
  WritePrepared(path, data, config);
  ASSERT_TRUE(IsPreparedFile(path));
  EXPECT_FALSE(IsPreparedFile(dir.File("ratings.csv", "1,2\n")));
  config.data = path;
  const Dataset loaded = LoadDataset(config);  // --data FILE.h5 loads the prepared form
  EXPECT_EQ(loaded.Fingerprint(), data.Fingerprint());
  EXPECT_EQ(loaded.train_items, data.train_items);
  EXPECT_EQ(loaded.val_item, data.val_item);
  EXPECT_EQ(loaded.item_train_counts, data.item_train_counts);
  EXPECT_EQ(loaded.name, data.name);
  // Flip bytes in the middle of the file: refused with the file's name, never loaded silently.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 16; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  std::ofstream(path, std::ios::binary) << bytes;
  try {
    ReadPrepared(path);
    ADD_FAILURE() << "a corrupted prepared file loaded";
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find("prepared.h5"), std::string::npos) << error.what();
  }
}

// Found by tests/fuzz/fuzz_prepared.cc: files with a matching fingerprint, or well-formed HDF5
// objects of the wrong shape, that the loader read past or let through.
Dataset TinyPrepared() {
  Dataset data;
  data.name = "tiny";
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
  data.held = {0, 2};
  return data;
}

// The fingerprint of `data` as written (the checks behind it are what these tests reach).
Dataset Fingerprinted(Dataset data) {
  data.fingerprint = ComputeFingerprint(data);
  return data;
}

// Writes `data` as a prepared file in `dir` and returns its path.
std::string WriteTiny(const testing::TempDir& dir, const Dataset& data) {
  const std::string path = dir.Path("prepared.h5");
  WritePrepared(path, data, DataConfig{});
  return path;
}

// Replaces root attribute `name` by an array of three int64 values.
void MakeArrayAttribute(const std::string& path, const char* name) {
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  H5Adelete(file.get(), name);
  const hsize_t three = 3;
  const std::int64_t values[3] = {2, 2, 2};
  h5::Handle space(H5Screate_simple(1, &three, nullptr), H5Sclose);
  h5::Handle attribute(H5Acreate2(file.get(), name, H5T_NATIVE_INT64, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(attribute.get(), H5T_NATIVE_INT64, values);
}

template <typename F>
void ExpectPreparedError(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected a UserError with " << fragment;
  } catch (const UserError& error) {
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(Prepared, ArrayIntAttributeIsAnError) {
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, TinyPrepared());
  MakeArrayAttribute(path, "n_users");  // H5Aread wrote three values into one int64
  ExpectPreparedError([&] { ReadPrepared(path); }, "attribute n_users is not a single value");
}

TEST(Prepared, ArrayStringAttributeIsAnError) {
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, TinyPrepared());
  {
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    H5Adelete(file.get(), "format");
    const hsize_t four = 4;
    h5::Handle space(H5Screate_simple(1, &four, nullptr), H5Sclose);
    h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), 14);
    h5::Handle attribute(H5Acreate2(file.get(), "format", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    const std::string text = std::string(4 * 14, 'x');
    H5Awrite(attribute.get(), type.get(), text.data());  // read back into a string of 14 bytes
  }
  ExpectPreparedError([&] { IsPreparedFile(path); }, "attribute format is not a single value");
  ExpectPreparedError([&] { ReadPrepared(path); }, "attribute format is not a single value");
}

TEST(Prepared, TwoDimensionalNamesAreAnError) {
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, TinyPrepared());
  {
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    const hsize_t dims[2] = {2, 3};
    h5::Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    h5::Handle set(H5Dcreate2(file.get(), "/users/names", H5T_NATIVE_CHAR, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                              H5P_DEFAULT),
                   H5Dclose);
    H5Dwrite(set.get(), H5T_NATIVE_CHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, "a\nb\nc\n");  // sized for 2, read as 6
  }
  ExpectPreparedError([&] { ReadPrepared(path); }, "/users/names is not a 1-D array");
}

TEST(Prepared, DecreasingOffsetsAreAnError) {
  Dataset data = TinyPrepared();
  data.train_offsets = {0, 4, 3};  // user 0 would read past the items, user 1 a negative count
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, data);
  ExpectPreparedError([&] { ReadPrepared(path); }, "/train/offsets is not ascending");
}

TEST(Prepared, ShareOfOffsetsOutOfRangeIsAnError) {
  Dataset data = TinyPrepared();
  data.train_offsets = {0, -3000000000000000000, 3};  // found by fuzzing: was undefined behaviour in the share search
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, data);
  const Dataset description = ReadPreparedDescription(path);
  ExpectPreparedError([&] { ReadPreparedShare(path, description, 0, 2); }, "/train/offsets is not ascending");
}

TEST(Prepared, CandidateOutOfRangeIsAnError) {
  Dataset data = TinyPrepared();
  data.test_candidates = {1, 7};
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, Fingerprinted(data));
  ExpectPreparedError([&] { ReadPrepared(path); }, "out of range in /candidates/test");
}

TEST(Prepared, HeldOutItemOutOfRangeIsAnError) {
  Dataset data = TinyPrepared();
  data.val_item = {3, -1};
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, data);
  ExpectPreparedError([&] { ReadPrepared(path); }, "out of range in /heldout/validation");
}

TEST(Prepared, NamesOfTheWrongCountAreAnError) {
  Dataset data = TinyPrepared();
  data.item_names = {"a"};
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, data);
  ExpectPreparedError([&] { ReadPrepared(path); }, "array sizes do not agree");
}

TEST(Prepared, CountBeyondInt32IsAnError) {
  testing::TempDir dir;
  const std::string path = WriteTiny(dir, TinyPrepared());
  {
    h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    H5Adelete(file.get(), "n_users");
    h5::WriteAttribute(file.get(), "n_users", (std::int64_t{1} << 32) + 2);  // was cast to 2
  }
  ExpectPreparedError([&] { ReadPrepared(path); }, "n_users = 4294967298 is out of range");
}

// A rank's share read from a prepared file (hyperslabs) equals the same users cut from the whole
// dataset, candidates included (drawn from the same seeds).
TEST(Prepared, ShareReadsOnlyItsUsers) {
  SyntheticSpec spec;
  spec.users = 300;
  spec.items = 150;
  DataConfig config;
  const Dataset whole = Prepare(GenerateSynthetic(spec).raw, config);
  testing::TempDir dir;
  const std::string path = dir.Path("prepared.h5");
  WritePrepared(path, whole, config);
  for (int index = 0; index < 3; ++index) {
    Dataset share = ReadPreparedDescription(path);
    EXPECT_EQ(share.held.size(), 0);
    const UserRange range = ReadPreparedShare(path, share, index, 3);
    ReadPreparedUsers(path, range, share);
    const Dataset cut = TakeUsers(whole, range);
    EXPECT_EQ(share.held.begin, cut.held.begin);
    EXPECT_EQ(share.user_ids, cut.user_ids);
    EXPECT_EQ(share.train_offsets, cut.train_offsets);
    EXPECT_EQ(share.train_items, cut.train_items);
    EXPECT_EQ(share.val_item, cut.val_item);
    EXPECT_EQ(share.Fingerprint(), whole.Fingerprint());
    std::vector<std::int32_t> a, b;
    for (std::int32_t u = range.begin; u < range.end; ++u) {
      share.Candidates(HeldOut::kValidation, u, a);
      whole.Candidates(HeldOut::kValidation, u, b);
      EXPECT_EQ(a, b) << "user " << u;
    }
  }
}

TEST(Prepared, SharesOfTheWholeFileCoverEveryUserOnce) {
  SyntheticSpec spec;
  spec.users = 100;
  DataConfig config;
  const Dataset whole = Prepare(GenerateSynthetic(spec).raw, config);
  testing::TempDir dir;
  const std::string path = dir.Path("prepared.h5");
  WritePrepared(path, whole, config);
  std::int32_t next = 0;
  for (int index = 0; index < 4; ++index) {
    const UserRange range = ReadPreparedShare(path, whole, index, 4);
    EXPECT_EQ(range.begin, next);
    next = range.end;
  }
  EXPECT_EQ(next, whole.n_users);
}

}  // namespace
}  // namespace ampcf
