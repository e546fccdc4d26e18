// Every rank parsing its byte range (data/range_lines.h, data/parallel_parse.h) gives what one
// rank parsing the whole file gives. The ParallelParse tests run on any number of ranks (ctest
// runs them on 2 and 3; each rank writes the same file in its own folder).
#include <gtest/gtest.h>

#include <mpi.h>

#include <random>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/mpi_env.h"
#include "data/dataset.h"
#include "data/line_reader.h"
#include "data/parallel_parse.h"
#include "data/share_moves.h"
#include "data/range_lines.h"
#include "data/user_share.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

std::vector<std::string> AllLines(const std::string& path) {
  LineReader reader(path);
  std::vector<std::string> lines;
  std::string_view line;
  while (reader.Next(line)) lines.emplace_back(line);
  return lines;
}

std::vector<std::string> LinesOfRanges(const std::string& path, const std::vector<std::int64_t>& cuts) {
  std::vector<std::string> lines;
  for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
    RangeLines range(path, cuts[k], cuts[k + 1]);
    std::string_view line;
    while (range.Next(line)) lines.emplace_back(line);
  }
  return lines;
}

TEST(RangeLines, EveryCutGivesEveryLineOnce) {
  testing::TempDir dir;
  const std::string text = "\xEF\xBB\xBFuser,item\r\n1,2\n\n33,44\r\nlong" + std::string(300, 'x') + "\n5,6";
  const std::string path = dir.File("f.csv", text);
  const std::vector<std::string> expected = AllLines(path);
  const auto size = static_cast<std::int64_t>(text.size());
  for (std::int64_t a = 0; a <= size; ++a) {
    ASSERT_EQ(LinesOfRanges(path, {0, a, size}), expected) << "cut at " << a;
    for (std::int64_t b = a; b <= size; b += 7) ASSERT_EQ(LinesOfRanges(path, {0, a, b, size}), expected) << a << " " << b;
  }
}

TEST(RangeLines, ALineEndAtTheFilesEndAddsNoLine) {
  testing::TempDir dir;
  const std::string path = dir.File("f.csv", "1,2\n3,4\n");
  EXPECT_EQ(LinesOfRanges(path, {0, 4, 8}), (std::vector<std::string>{"1,2", "3,4"}));
  EXPECT_EQ(LinesOfRanges(path, {0, 3, 8}), (std::vector<std::string>{"1,2", "3,4"}));
}

TEST(RangeLines, GzipIsNotSplit) {
  testing::TempDir dir;
  EXPECT_TRUE(IsGzipFile(dir.GzipFile("f.csv.gz", "1,2\n")));
  EXPECT_FALSE(IsGzipFile(dir.File("f.csv", "1,2\n")));
}

// A file in `format` of random users in random order, duplicates, users of 1-2 items and
// items rated once: everything preparation filters and orders.
std::string RandomLines(const std::string& format, int lines, unsigned seed) {
  std::mt19937 rng(seed);
  std::ostringstream out;
  if (format == "movielens-csv") out << "userId,movieId,rating,timestamp\n";
  if (format == "lastfm") out << "userID\tartistID\tweight\n";
  for (int k = 0; k < lines; ++k) {
    const int user = 1 + static_cast<int>(rng() % 60) * 7, item = 100 + static_cast<int>(rng() % 90) * 3;
    const int time = 1000 + static_cast<int>(rng() % 50);
    if (format == "movielens-csv") out << user << "," << item << ",4.0," << time << "\n";
    if (format == "movielens-dat") out << user << "::" << item << "::4::" << time << "\n";
    if (format == "lastfm") out << user << "\t" << item << "\t" << 1 + rng() % 9 << "\n";
    if (format == "log") out << user << (k % 2 ? " \t" : " ") << item << "\n";
    if (k % 37 == 0) out << "\n";
  }
  return out.str();
}

DataConfig ConfigFor(const std::string& path, const std::string& format) {
  DataConfig config;
  config.data = path;
  config.format = format;
  return config;
}

// Checks this rank's part against the users [part.held) of the whole dataset.
void ExpectPartOf(const Dataset& whole, const Dataset& part) {
  EXPECT_EQ(part.fingerprint, whole.fingerprint);
  EXPECT_EQ(part.n_users, whole.n_users);
  EXPECT_EQ(part.n_train, whole.n_train);
  EXPECT_EQ(part.total_interactions, whole.total_interactions);
  EXPECT_EQ(part.item_ids, whole.item_ids);
  EXPECT_EQ(part.item_train_counts, whole.item_train_counts);
  EXPECT_EQ(part.item_validation_counts, whole.item_validation_counts);
  EXPECT_EQ(part.name, whole.name);
  EXPECT_EQ(part.holdout, whole.holdout);
  for (std::int32_t u = part.held.begin; u < part.held.end; ++u) {
    ASSERT_EQ(part.UserId(u), whole.UserId(u));
    ASSERT_EQ(std::vector<std::int32_t>(part.TrainItems(u).begin(), part.TrainItems(u).end()),
              std::vector<std::int32_t>(whole.TrainItems(u).begin(), whole.TrainItems(u).end()));
    ASSERT_EQ(part.ValItem(u), whole.ValItem(u));
    ASSERT_EQ(part.TestItem(u), whole.TestItem(u));
  }
}

// Parses `config` with users on every rank and with users on all ranks but the last (which asks
// for no share, as a server does), and checks each against one rank's parse and the shares.
void ExpectSameAsOneRank(const DataConfig& config) {
  const Dataset whole = LoadDataset(config);
  const int shares = std::max(1, WorldSize() - 1);
  const int index = WorldRank() < shares ? WorldRank() : -1;
  for (const int user_ranks : {WorldSize(), shares}) {
    SCOPED_TRACE(Cat("users on ", user_ranks, " of ", WorldSize(), " ranks"));
    const Dataset part = ParseInParallel(config, user_ranks, MPI_COMM_WORLD);
    ExpectPartOf(whole, part);
    if (WorldRank() >= user_ranks) {
      EXPECT_EQ(part.held.size(), 0);
    }
    // Every user is in exactly one rank's part.
    std::int64_t held = part.held.size(), total = 0;
    MPI_Allreduce(&held, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(total, whole.n_users);
    const Dataset share = MoveToShares(part, index, shares, MPI_COMM_WORLD);
    const UserRange expected =
        ShareOfUsers(whole.n_users, index, shares, [&](std::int32_t u) { return whole.train_offsets[u]; });
    EXPECT_EQ(share.held.size(), expected.size());
    if (expected.size() > 0) {
      EXPECT_EQ(share.held.begin, expected.begin);
    }
    ExpectPartOf(whole, share);
  }
}

TEST(ParallelParse, SameDatasetAsOneRank) {
  testing::TempDir dir;
  for (const std::string format : {"movielens-csv", "movielens-dat", "lastfm", "log"}) {
    SCOPED_TRACE(format);
    ExpectSameAsOneRank(ConfigFor(dir.File("f." + format, RandomLines(format, 700, 5)), format));
  }
}

// In user order each rank's rows are already grouped by the rank they go to.
TEST(ParallelParse, AFileInUserOrder) {
  testing::TempDir dir;
  std::ostringstream text;
  for (int k = 0; k < 600; ++k) text << 1 + k / 10 << "," << 100 + k * 7 % 90 << ",4.0," << 1000 + k % 13 << "\n";
  ExpectSameAsOneRank(ConfigFor(dir.File("f.csv", text.str()), "movielens-csv"));
}

TEST(ParallelParse, RareItemsDroppedOverTheWholeFile) {
  testing::TempDir dir;
  DataConfig config = ConfigFor(dir.File("f.csv", RandomLines("movielens-csv", 400, 6)), "movielens-csv");
  config.min_item_ratings = 4;
  ExpectSameAsOneRank(config);
}

TEST(ParallelParse, FewerLinesThanRanks) {
  testing::TempDir dir;
  ExpectSameAsOneRank(ConfigFor(dir.File("f.dat", "1::2::4::5\n1::3::4::6\n1::4::4::7"), "movielens-dat"));
}

TEST(ParallelParse, ABadLineIsNamedByItsLineInTheWholeFile) {
  testing::TempDir dir;
  std::string text = RandomLines("movielens-dat", 500, 7);
  text += "9::x::4::1\n" + RandomLines("movielens-dat", 20, 8);  // near the end: the last rank's range
  const DataConfig config = ConfigFor(dir.File("f.dat", text), "movielens-dat");
  std::string sequential, parallel;
  try {
    LoadDataset(config);
  } catch (const UserError& error) {
    sequential = error.what();
  }
  try {
    ParseInParallel(config, WorldSize(), MPI_COMM_WORLD);
  } catch (const UserError& error) {
    parallel = error.what();
  }
  EXPECT_NE(sequential.find("item id 'x' is not an integer"), std::string::npos) << sequential;
  // Each rank's file has its own folder: the lowest failing rank's path is in the message.
  auto from_name = [](const std::string& message) { return message.substr(message.find("f.dat:")); };
  EXPECT_EQ(from_name(parallel), from_name(sequential));
}

}  // namespace
}  // namespace ampcf
