// data/parse_range.h: a byte range parsed in pieces, and a gzipped file parsed in blocks, on
// several threads give the rows, line numbers and errors of one sequential read.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "data/line_formats.h"
#include "data/parse_range.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

// A MovieLens CSV file of `n` interactions after a header, with blank and CRLF lines between
// them, and the rows it holds.
struct CsvFile {
  std::string text = "userId,movieId,rating,timestamp\n";
  std::vector<Interaction> rows;
  explicit CsvFile(int n) {
    for (int i = 0; i < n; ++i) {
      const Interaction row{i % 17, 1000 + i * 7 % 53, 900000 + i};
      rows.push_back(row);
      text += std::to_string(row.user) + "," + std::to_string(row.item) + ",4.5," + std::to_string(row.timestamp);
      text += i % 5 == 0 ? "\r\n" : "\n";
      if (i % 11 == 0) text += "\n";
    }
  }
};

// 200 lines of which 60 and 150 are bad.
std::string TwoBadLines() {
  std::string text;
  for (int line = 1; line <= 200; ++line)
    text += line == 60 ? "7,x,1,2\n" : line == 150 ? "oops\n" : std::to_string(line) + ",2,1,3\n";
  return text;
}

// A log (each line's number is its time) with blank lines, and the rows it holds.
struct LogFile {
  std::string text;
  std::vector<Interaction> rows;
  LogFile() {
    for (int line = 1; line <= 120; ++line) {
      if (line % 9 == 0) {
        text += "\n";  // a blank line is a line all the same
        continue;
      }
      text += std::to_string(line % 13) + " " + std::to_string(line % 7) + "\n";
      rows.push_back({line % 13, line % 7, line});
    }
  }
};

void ExpectRows(const std::vector<Interaction>& got, const std::vector<Interaction>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].user, expected[k].user) << "row " << k;
    EXPECT_EQ(got[k].item, expected[k].item) << "row " << k;
    EXPECT_EQ(got[k].timestamp, expected[k].timestamp) << "row " << k;
  }
}

TEST(ParseByteRange, PiecesAndThreadsGiveTheRowsOfOneRead) {
  testing::TempDir dir;
  const CsvFile csv(300);
  const std::string path = dir.File("ratings.csv", csv.text);
  const auto size = static_cast<std::int64_t>(csv.text.size());
  for (int threads : {1, 3}) {
    SetComputeThreads(threads);
    for (std::int64_t piece : {std::int64_t{1}, std::int64_t{5}, std::int64_t{29}, std::int64_t{512}, size}) {
      const ParsedRange parsed = ParseByteRange(path, 0, size, *FindLineFormat("movielens-csv"), true, piece);
      EXPECT_EQ(parsed.error, "") << piece;
      EXPECT_EQ(parsed.lines, std::count(csv.text.begin(), csv.text.end(), '\n')) << piece;
      ExpectRows(parsed.rows, csv.rows);
    }
  }
  SetComputeThreads(1);
}

TEST(ParseByteRange, TheFirstBadLineIsTheOneReported) {
  testing::TempDir dir;
  const std::string text = TwoBadLines();
  const std::string path = dir.File("ratings.csv", text);
  SetComputeThreads(3);
  const ParsedRange parsed =
      ParseByteRange(path, 0, static_cast<std::int64_t>(text.size()), *FindLineFormat("movielens-csv"), false, 16);
  SetComputeThreads(1);
  EXPECT_EQ(parsed.lines, 60);
  EXPECT_EQ(parsed.error, "item id 'x' is not an integer");
}

TEST(ParseByteRange, ALineNumberedFormatNumbersTheLinesOfTheRange) {
  testing::TempDir dir;
  const LogFile log;
  const std::string path = dir.File("events.log", log.text);
  SetComputeThreads(2);
  const ParsedRange parsed =
      ParseByteRange(path, 0, static_cast<std::int64_t>(log.text.size()), *FindLineFormat("log"), false, 10);
  SetComputeThreads(1);
  ExpectRows(parsed.rows, log.rows);
}

TEST(ParseByteRange, ARangePastTheFilesStartKeepsItsFirstLine) {
  testing::TempDir dir;
  const std::string text = "u,i,r,t\n1,2,3,4\n5,6,7,8\n";
  const std::string path = dir.File("ratings.csv", text);
  // With a header, only the file's first line is skipped, not a range's.
  const ParsedRange parsed = ParseByteRange(path, 8, static_cast<std::int64_t>(text.size()),
                                            *FindLineFormat("movielens-csv"), true, 3);
  EXPECT_EQ(parsed.lines, 2);
  ExpectRows(parsed.rows, {{1, 2, 4}, {5, 6, 8}});
}

// ParseLineStream's error for `path`, or "" if it parses.
std::string StreamError(const std::string& path, const LineFormat& format, std::size_t bytes_per_block) {
  try {
    ParseLineStream(path, format, false, bytes_per_block);
  } catch (const UserError& error) {
    return error.what();
  }
  return "";
}

TEST(ParseLineStream, BlocksAndThreadsGiveTheRowsOfOneRead) {
  testing::TempDir dir;
  const CsvFile csv(300);
  const std::string path = dir.GzipFile("ratings.csv.gz", csv.text);
  for (int threads : {1, 3}) {
    SetComputeThreads(threads);
    for (std::size_t block : {std::size_t{1}, std::size_t{40}, std::size_t{700}, kBytesPerLineBlock})
      ExpectRows(ParseLineStream(path, *FindLineFormat("movielens-csv"), true, block), csv.rows);
  }
  SetComputeThreads(1);
}

TEST(ParseLineStream, TheFirstBadLineIsNamedWithItsNumber) {
  testing::TempDir dir;
  const std::string path = dir.GzipFile("ratings.csv.gz", TwoBadLines());
  SetComputeThreads(2);
  EXPECT_EQ(StreamError(path, *FindLineFormat("movielens-csv"), 64),
            path + ":60: item id 'x' is not an integer");
  SetComputeThreads(1);
}

TEST(ParseLineStream, ALineNumberedFormatNumbersTheLinesOfTheFile) {
  testing::TempDir dir;
  const LogFile log;
  const std::string path = dir.GzipFile("events.log.gz", log.text);
  SetComputeThreads(2);
  ExpectRows(ParseLineStream(path, *FindLineFormat("log"), false, 10), log.rows);
  SetComputeThreads(1);
}

// A read error ends the parse after the lines before it, which are still checked first. (The
// lines vary, so that half of the compressed file holds megabytes of them: zlib reads ahead.)
TEST(ParseLineStream, AReadErrorComesAfterTheBadLinesBeforeIt) {
  testing::TempDir dir;
  std::string text;
  for (std::int64_t i = 0; i < 200000; ++i)
    text += std::to_string(i * 7919 % 100003) + "," + std::to_string(i * 104729 % 65537) + ",5," + std::to_string(i * 31) + "\n";
  const std::string truncated = dir.GzipFile("truncated.csv.gz", text);
  std::filesystem::resize_file(truncated, std::filesystem::file_size(truncated) / 2);
  EXPECT_EQ(StreamError(truncated, *FindLineFormat("movielens-csv"), 1000),
            truncated + ": truncated or corrupt compressed file");
  const std::string bad_then_truncated = dir.GzipFile("bad.csv.gz", "1,x,5,1\n" + text);
  std::filesystem::resize_file(bad_then_truncated, std::filesystem::file_size(bad_then_truncated) / 2);
  // One block holds the bad line and ends in the read error.
  EXPECT_EQ(StreamError(bad_then_truncated, *FindLineFormat("movielens-csv"), kBytesPerLineBlock),
            bad_then_truncated + ":1: item id 'x' is not an integer");
}

}  // namespace
}  // namespace ampcf
