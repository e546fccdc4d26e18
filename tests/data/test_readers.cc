#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "data/dataset.h"
#include "data/readers.h"
#include "tests/test_util.h"

namespace ampcf {
namespace {

using testing::TempDir;

// Expects a UserError whose message contains every fragment.
template <typename F>
void ExpectUserError(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    FAIL() << "expected a UserError";
  } catch (const UserError& error) {
    const std::string message = error.what();
    for (const std::string& fragment : fragments) EXPECT_NE(message.find(fragment), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "error messages are one line: " << message;
  }
}

TEST(Readers, MovieLensCsvWithHeaderCrlfAndBom) {
  TempDir dir;
  const std::string path =
      dir.File("ratings.csv", "\xEF\xBB\xBFuserId,movieId,rating,timestamp\r\n1,10,4.0,100\r\n1,20,3.5,50\r\n\r\n2,10,5,7");
  const RawData data = ReadMovieLensCsv(path);
  ASSERT_EQ(data.rows.size(), 3u);
  EXPECT_TRUE(data.has_timestamps);
  EXPECT_EQ(data.rows[0].user, 1);
  EXPECT_EQ(data.rows[0].item, 10);
  EXPECT_EQ(data.rows[0].timestamp, 100);
  EXPECT_EQ(data.rows[2].user, 2);  // the last line has no newline
  EXPECT_EQ(data.rows[2].timestamp, 7);
}

TEST(Readers, MovieLensCsvWithoutHeader) {
  TempDir dir;
  const RawData data = ReadMovieLensCsv(dir.File("r.csv", "1,10,4.0,100\n"));
  ASSERT_EQ(data.rows.size(), 1u);
}

TEST(Readers, MovieLensDatAndGzip) {
  TempDir dir;
  const std::string text = "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978300000\n";
  const RawData plain = ReadMovieLensDat(dir.File("ratings.dat", text));
  const RawData packed = ReadMovieLensDat(dir.GzipFile("ratings.dat.gz", text));
  ASSERT_EQ(plain.rows.size(), 3u);
  ASSERT_EQ(packed.rows.size(), 3u);
  EXPECT_EQ(packed.rows[1].item, 661);
  EXPECT_EQ(packed.rows[2].timestamp, 978300000);
}

TEST(Readers, TruncatedGzipIsAnError) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "1::" + std::to_string(i) + "::5::978300760\n";
  const std::string path = dir.GzipFile("ratings.dat.gz", text);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  ExpectUserError([&] { ReadMovieLensDat(path); }, {"ratings.dat.gz"});
}

// A NUL byte inside a line is refused with the line's number, not read past (gzgets would have
// joined the rest of the line to the next one).
TEST(Readers, NulByteInALineIsAnError) {
  TempDir dir;
  const char bytes[] = "1::2::5::978300760\n1::3\0::5::1\n";
  const std::string path = dir.File("ratings.dat", std::string(bytes, sizeof(bytes) - 1));
  ExpectUserError([&] { ReadMovieLensDat(path); }, {"ratings.dat:2:", "NUL"});
}

// Lines are split across the reader's 64 KiB reads, and a last line without a newline counts.
TEST(Readers, LinesAcrossReadsAndWithoutAFinalNewline) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1::" + std::to_string(i) + "::5::978300760\r\n";
  text += "2::7::5::978300761";
  const RawData data = ReadMovieLensDat(dir.File("ratings.dat", text));
  ASSERT_EQ(data.rows.size(), 20001u);
  EXPECT_EQ(data.rows[12345].item, 12345);
  EXPECT_EQ(data.rows.back().user, 2);
  EXPECT_EQ(data.rows.back().timestamp, 978300761);
}

TEST(Readers, MovieLens100k) {
  TempDir dir;
  const RawData data = ReadMovieLens100k(dir.File("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n"));
  ASSERT_EQ(data.rows.size(), 2u);
  EXPECT_EQ(data.rows[1].user, 186);
  EXPECT_EQ(data.rows[1].timestamp, 891717742);
}

TEST(Readers, DelimitedColumnsAndLargeIds) {
  TempDir dir;
  const std::string path = dir.File("log.tsv", "ts\titem\tuser\n5\t9000000000\t-3\n6\t7\t-3\n");
  const RawData data = ReadDelimited(path, "\t", true, 2, 1, 0);
  ASSERT_EQ(data.rows.size(), 2u);
  EXPECT_EQ(data.rows[0].user, -3);
  EXPECT_EQ(data.rows[0].item, 9000000000LL);
  EXPECT_EQ(data.rows[1].timestamp, 6);
}

TEST(Readers, MalformedLinesNameFileAndLine) {
  TempDir dir;
  const std::string bad_item = dir.File("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,100\n1,abc,4,100\n");
  ExpectUserError([&] { ReadMovieLensCsv(bad_item); }, {"ratings.csv:3:", "abc"});
  const std::string short_line = dir.File("ratings.dat", "1::2::3::4\n1::2\n");
  ExpectUserError([&] { ReadMovieLensDat(short_line); }, {"ratings.dat:2:", "expected at least 4 fields"});
  const std::string huge = dir.File("huge.csv", "1,99999999999999999999,4,100\n");
  ExpectUserError([&] { ReadMovieLensCsv(huge); }, {"huge.csv:1:", "99999999999999999999"});
  const std::string bad_time = dir.File("u.data", "1\t2\t3\tnoon\n");
  ExpectUserError([&] { ReadMovieLens100k(bad_time); }, {"u.data:1:", "timestamp"});
}

TEST(Readers, MissingAndEmptyFiles) {
  TempDir dir;
  ExpectUserError([&] { ReadMovieLensCsv(dir.Path("nope.csv")); }, {"nope.csv", "cannot open"});
  const std::string empty = dir.File("empty.dat", "");
  ExpectUserError([&] { ReadMovieLensDat(empty); }, {"empty.dat", "no interactions"});
}

TEST(Readers, NcfPresplitWithItemMapAndTimestamps) {
  TempDir dir;
  dir.File("toy.train.rating", "0\t0\n0\t1\n0\t2\n1\t1\n1\t2\n");
  dir.File("toy.test.rating", "0\t3\t5\t100\n1\t0\t4\t100\n");
  dir.File("toy.test.negative", "(0,3)\t4\t3\n(1,0)\t3\t4\n");
  const std::string map = dir.File("map.tsv", "0\t10\n1\t11\n2\t12\n3\t13\n4\t14\n");
  const std::string times = dir.GzipFile("ratings.dat.gz", "1::10::5::30\n1::11::5::10\n1::12::5::20\n");
  const RawData data = ReadNcf(dir.Path("toy"), map, times);
  ASSERT_EQ(data.rows.size(), 5u);
  EXPECT_TRUE(data.presplit);
  EXPECT_EQ(data.rows[0].item, 10);  // mapped to original ids
  EXPECT_EQ(data.rows[0].timestamp, 30);
  ASSERT_EQ(data.timestamp_known.size(), 5u);
  EXPECT_TRUE(data.timestamp_known[2]);
  EXPECT_FALSE(data.timestamp_known[3]);  // user 1 (UserID 2) has no timestamps
  ASSERT_EQ(data.test_rows.size(), 2u);
  EXPECT_EQ(data.test_rows[0].item, 13);
  EXPECT_EQ(data.given_negatives.at(0), (std::vector<std::int64_t>{14, 13}));
}

TEST(Readers, NcfBadNegativeLine) {
  TempDir dir;
  dir.File("toy.train.rating", "0\t0\n0\t1\n");
  dir.File("toy.test.rating", "0\t2\n");
  dir.File("toy.test.negative", "0,2\t4\n");
  ExpectUserError([&] { ReadNcf(dir.Path("toy"), "", ""); }, {"toy.test.negative:1:", "(user,item)"});
}

TEST(Readers, AutoFormatFromFolder) {
  TempDir dir;
  dir.File("ratings.dat", "1::2::3::4\n1::3::3::5\n");
  DataConfig config;
  config.data = dir.Path("");
  EXPECT_EQ(LoadRawData(config).rows.size(), 2u);
  config.data = dir.Path("missing");
  ExpectUserError([&] { LoadRawData(config); }, {"--data", "no such file"});
}

TEST(Readers, LastFmHetRecFolder) {
  TempDir dir;
  dir.File("user_artists.dat", "userID\tartistID\tweight\n2\t51\t13883\n2\t52\t11690\n3\t51\t10\n");
  DataConfig config;
  config.data = dir.Path("");
  const RawData data = LoadRawData(config);
  ASSERT_EQ(data.rows.size(), 3u);
  EXPECT_FALSE(data.has_timestamps);  // the hold-out is a seeded random item per user
  EXPECT_EQ(data.rows[1].user, 2);
  EXPECT_EQ(data.rows[1].item, 52);
  dir.File("user_artists.dat", "userID\tartistID\tweight\n2\tx\t1\n");
  ExpectUserError([&] { LoadRawData(config); }, {"user_artists.dat:2:"});
}

TEST(Readers, YahooAndTimeOrderedLog) {
  TempDir dir;
  const RawData yahoo = ReadYahoo(dir.File("ydata-ymusic-user-song-ratings-meta-v1_0.txt", "1\t10\t5\n1\t11\t1\n"));
  ASSERT_EQ(yahoo.rows.size(), 2u);
  EXPECT_FALSE(yahoo.has_timestamps);
  ExpectUserError([&] { ReadYahoo(dir.File("y.txt", "1\t10\tgood\n")); }, {"y.txt:1:", "rating"});
  const RawData log = ReadInteractionLog(dir.File("plays.log", "7 3\n\n7\t4\n8 3\n"));
  ASSERT_EQ(log.rows.size(), 3u);
  EXPECT_TRUE(log.has_timestamps);
  EXPECT_LT(log.rows[0].timestamp, log.rows[1].timestamp);  // file order is time order
  EXPECT_EQ(log.rows[1].item, 4);
  ExpectUserError([&] { ReadInteractionLog(dir.File("bad.log", "7 3\n7 3 9\n")); }, {"bad.log:2:", "user item"});
}

TEST(Readers, AmazonStringIds) {
  TempDir dir;
  const RawData csv = ReadAmazonCsv(dir.File("ratings_Books.csv",
                                            "A2SUAM1J3GNN3B,0000013714,5.0,1393545600\nA3X,0000013714,4.0,1393545601\n"
                                            "A2SUAM1J3GNN3B,B00ABC,3.0,1393545602\n"));
  ASSERT_EQ(csv.rows.size(), 3u);
  EXPECT_EQ(csv.user_names, (std::vector<std::string>{"A2SUAM1J3GNN3B", "A3X"}));
  EXPECT_EQ(csv.item_names, (std::vector<std::string>{"0000013714", "B00ABC"}));  // leading zeros kept
  EXPECT_EQ(csv.rows[2].user, 0);
  EXPECT_EQ(csv.rows[2].item, 1);
  const RawData json = ReadAmazonJson(dir.GzipFile(
      "reviews.json.gz",
      "{\"reviewerID\": \"A1\", \"asin\": \"X9\", \"reviewText\": \"fine\", \"overall\": 4.0, \"unixReviewTime\": 1400000000}\n"
      "{\"overall\": 5.0, \"asin\": \"X8\", \"reviewerID\": \"A1\", \"unixReviewTime\": 1300000000}\n"));
  ASSERT_EQ(json.rows.size(), 2u);
  EXPECT_EQ(json.item_names[json.rows[1].item], "X8");
  EXPECT_EQ(json.rows[1].timestamp, 1300000000);
  ExpectUserError([&] { ReadAmazonJson(dir.File("bad.json", "{\"reviewerID\": \"A1\", \"overall\": 4.0}\n")); },
                  {"bad.json:1:", "asin"});
  ExpectUserError([&] { ReadAmazonCsv(dir.File("ratings_bad.csv", "A1,X1,five,1\n")); }, {"ratings_bad.csv:1:", "rating"});
  // Preparation keeps the names in dense order; they enter the fingerprint.
  DataConfig config;
  config.eval_negatives = 1;
  const Dataset data = Prepare(csv, config);
  ASSERT_EQ(data.user_names.size(), static_cast<std::size_t>(data.n_users));
  EXPECT_EQ(data.user_names[0], "A2SUAM1J3GNN3B");
  RawData renamed = csv;
  renamed.item_names[1] = "B00XYZ";
  EXPECT_NE(Prepare(renamed, config).Fingerprint(), data.Fingerprint());
}

// Non-finite numbers: from_chars reads them, but a rating of "nan" is no rating.
TEST(Readers, ParseDoubleRejectsEveryNonFiniteSpelling) {
  double value = 0;
  for (const char* text : {"nan", "NaN", "-nan", "nan(0x1)", "inf", "-inf", "INF", "infinity", "-Infinity", "1e999"})
    EXPECT_FALSE(ParseDouble(text, value)) << text;
  EXPECT_TRUE(ParseDouble(" 4.5 ", value));
  EXPECT_EQ(value, 4.5);
}

TEST(Readers, NanRatingIsAnError) {
  TempDir dir;
  const std::string path = dir.File("ratings.csv", "userId,movieId,rating,timestamp\n1,10,4,100\n1,11,nan,100\n");
  ExpectUserError([&] { ReadMovieLensCsv(path); }, {"ratings.csv:3:", "rating 'nan' is not a number"});
}

TEST(Readers, InfinityRatingIsAnError) {
  TempDir dir;
  const std::string path = dir.File("ratings.dat", "1::10::-infinity::100\n");
  ExpectUserError([&] { ReadMovieLensDat(path); }, {"ratings.dat:1:", "rating '-infinity' is not a number"});
}

TEST(Readers, InfRatingInYahooIsAnError) {
  TempDir dir;
  const std::string path = dir.File("ydata-ymusic-r1.txt", "1\t2\t5\n1\t3\tinf\n");
  ExpectUserError([&] { ReadYahoo(path); }, {"ydata-ymusic-r1.txt:2:", "rating 'inf' is not a number"});
}

TEST(Readers, NanRatingInAmazonCsvIsAnError) {
  TempDir dir;
  const std::string path = dir.File("ratings_Books.csv", "A1,X1,NaN,1393545600\n");
  ExpectUserError([&] { ReadAmazonCsv(path); }, {"ratings_Books.csv:1:", "rating 'NaN' is not a number"});
}

TEST(Readers, NanOverallInAmazonJsonIsAnError) {
  TempDir dir;
  const std::string path =
      dir.File("reviews.json", "{\"reviewerID\": \"A1\", \"asin\": \"X9\", \"overall\": nan, \"unixReviewTime\": 1}\n");
  ExpectUserError([&] { ReadAmazonJson(path); }, {"reviews.json:1:", "\"overall\" 'nan' is not a number"});
}

TEST(Readers, InfTimestampIsAnError) {
  TempDir dir;
  const std::string path = dir.File("u.data", "1\t2\t3\tinf\n");
  ExpectUserError([&] { ReadMovieLens100k(path); }, {"u.data:1:", "timestamp 'inf' is not an integer"});
}

TEST(Readers, NanUserIdIsAnError) {
  TempDir dir;
  const std::string path = dir.File("log.txt", "nan 2\n");
  ExpectUserError([&] { ReadInteractionLog(path); }, {"log.txt:1:", "user id 'nan' is not an integer"});
}

TEST(Readers, DelimitedIntegerIdsCarryNoNames) {
  TempDir dir;
  const RawData data = ReadDelimited(dir.File("data.tsv", "1\t20\n-3\t20\n"), "\t", false, 0, 1, -1);
  EXPECT_TRUE(data.user_names.empty());
  EXPECT_TRUE(data.item_names.empty());
  EXPECT_EQ(data.rows[1].user, -3);
  EXPECT_EQ(data.rows[1].item, 20);
}

TEST(Readers, DelimitedKeepsStringIdsAsNames) {
  TempDir dir;
  const RawData data = ReadDelimited(dir.File("data.csv", "user,item\nalice,tt0111161\nbob, tt0111161\nalice,7\n"), ",",
                                     true, 0, 1, -1);
  ASSERT_EQ(data.rows.size(), 3u);
  EXPECT_EQ(data.user_names, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(data.item_names, (std::vector<std::string>{"tt0111161", "7"}));  // one text id makes every id a name
  EXPECT_EQ(data.rows[1].item, 0);
  EXPECT_EQ(data.rows[2].item, 1);
}

TEST(Readers, DelimitedIdsWithLeadingZerosStayDistinct) {
  TempDir dir;
  const RawData data = ReadDelimited(dir.File("data.tsv", "1\t007\n1\t7\n"), "\t", false, 0, 1, -1);
  EXPECT_EQ(data.item_names, (std::vector<std::string>{"007", "7"}));
  EXPECT_NE(data.rows[0].item, data.rows[1].item);
}

TEST(Readers, DelimitedStringIdsPrepareLikeAmazon) {
  TempDir dir;
  std::string text;
  for (const char* user : {"ann", "ben", "cat"})
    for (const char* item : {"x", "y", "z", "w"}) text += Cat(user, ";", item, ";", text.size(), "\n");
  DataConfig config;
  config.data = dir.File("log.txt", text);
  config.format = "delimited";
  config.delimiter = ";";
  config.columns = "0,1,2";
  config.eval_negatives = 0;
  const Dataset data = Prepare(LoadRawData(config), config);
  EXPECT_EQ(data.n_users, 3);
  ASSERT_EQ(data.user_names.size(), 3u);
  EXPECT_EQ(data.user_names[0], "ann");
}

TEST(Readers, DelimitedEmptyIdIsAnError) {
  TempDir dir;
  ExpectUserError([&] { ReadDelimited(dir.File("data.csv", "1,2\n1,\n"), ",", false, 0, 1, -1); },
                  {"data.csv:2:", "empty item id"});
}

TEST(Readers, RecBoleAtomicFile) {
  TempDir dir;
  const std::string path = dir.File("ml-100k.inter",
                                    "user_id:token\titem_id:token\trating:float\ttimestamp:float\n"
                                    "196\t242\t3\t881250949.0\n186\t302\t3\t891717742\n");
  const RawData data = ReadRecBoleInter(path);
  ASSERT_EQ(data.rows.size(), 2u);
  EXPECT_TRUE(data.has_timestamps);
  EXPECT_TRUE(data.user_names.empty());  // integer tokens stay integers
  EXPECT_EQ(data.rows[0].user, 196);
  EXPECT_EQ(data.rows[0].item, 242);
  EXPECT_EQ(data.rows[0].timestamp, 881250949);
}

TEST(Readers, RecBoleFieldOrderAndStringTokens) {
  TempDir dir;
  const RawData data = ReadRecBoleInter(
      dir.File("amazon.inter", "timestamp:float\titem_id:token\tuser_id:token\n1393545600\tB00ABC\tA2SUAM1J3GNN3B\n"));
  ASSERT_EQ(data.rows.size(), 1u);
  EXPECT_EQ(data.user_names, (std::vector<std::string>{"A2SUAM1J3GNN3B"}));
  EXPECT_EQ(data.item_names, (std::vector<std::string>{"B00ABC"}));
  EXPECT_EQ(data.rows[0].timestamp, 1393545600);
}

TEST(Readers, RecBoleWithoutTimestampHasNone) {
  TempDir dir;
  const RawData data = ReadRecBoleInter(dir.File("d.inter", "user_id:token\titem_id:token\n1\t2\n"));
  EXPECT_FALSE(data.has_timestamps);
}

TEST(Readers, RecBoleHeaderWithoutIdsIsAnError) {
  TempDir dir;
  ExpectUserError([&] { ReadRecBoleInter(dir.File("d.inter", "uid:token\titem_id:token\n1\t2\n")); },
                  {"d.inter:1:", "user_id:token"});
  ExpectUserError([&] { ReadRecBoleInter(dir.File("e.inter", "user_id\titem_id:token\n1\t2\n")); },
                  {"e.inter:1:", "name:type"});
  ExpectUserError([&] { ReadRecBoleInter(dir.File("f.inter", "user_id:float\titem_id:token\n1\t2\n")); },
                  {"f.inter:1:", "expected token"});
}

TEST(Readers, RecBoleBadTimestampNamesTheLine) {
  TempDir dir;
  ExpectUserError(
      [&] { ReadRecBoleInter(dir.File("d.inter", "user_id:token\titem_id:token\ttimestamp:float\n1\t2\t5\n1\t3\tnan\n")); },
      {"d.inter:3:", "timestamp 'nan'"});
  ExpectUserError([&] { ReadRecBoleInter(dir.File("e.inter", "user_id:token\titem_id:token\n1\n")); },
                  {"e.inter:2:", "expected at least 2"});
}

TEST(Readers, RecBoleFolderIsFoundByAuto) {
  TempDir dir;
  std::filesystem::create_directories(dir.Path("ml-100k"));
  dir.File("ml-100k/ml-100k.inter", "user_id:token\titem_id:token\n1\t2\n");
  dir.File("ml-100k/ml-100k.item", "item_id:token\tmovie_title:token_seq\n2\tHeat\n");
  DataConfig config;
  config.data = dir.Path("ml-100k");
  EXPECT_EQ(LoadRawData(config).rows.size(), 1u);
}

}  // namespace
}  // namespace ampcf
