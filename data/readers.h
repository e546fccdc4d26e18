// Dataset readers: each turns one published file format into RawData, the interactions in file
// order. Every malformed line is a UserError naming the file and line; nothing is guessed.
// One file per format family: line_formats.cc (MovieLens, Yahoo, Last.fm, logs),
// amazon_readers.cc, delimited_readers.cc (any delimited file, RecBole), ncf_reader.cc; the
// choice among them (LoadRawData) in load_raw_data.cc.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/text_fields.h"
#include "options/config.h"

namespace ampcf {

struct Interaction {
  std::int64_t user = 0;
  std::int64_t item = 0;
  std::int64_t timestamp = 0;  // 0 when the format has none
};

struct RawData {
  std::string name;                    // shown in logs and stored in outputs
  std::vector<Interaction> rows;       // every interaction, in file order
  bool has_timestamps = false;
  // Set by pre-split formats (NCF): the test pair per user and its given negatives.
  bool presplit = false;
  std::vector<Interaction> test_rows;
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> given_negatives;
  // Set when only some rows have timestamps (NCF + --ncf-timestamps): per row, known or not.
  std::vector<char> timestamp_known;
  // Set by formats whose ids are strings (Amazon): ids are then indices into these, in order of
  // first appearance, and every output carries the names.
  std::vector<std::string> user_names, item_names;
};

// MovieLens ratings.csv (latest-small, 20M, 25M): header userId,movieId,rating,timestamp.
RawData ReadMovieLensCsv(const std::string& path);
// MovieLens ratings.dat (1M, 10M): UserID::MovieID::Rating::Timestamp.
RawData ReadMovieLensDat(const std::string& path);
// MovieLens 100K u.data: user item rating timestamp, tab-separated.
RawData ReadMovieLens100k(const std::string& path);
// Yahoo! Music (Webscope R1/R2/R3): user<TAB>item<TAB>score, no header, no timestamps; every
// rated item is a positive (as the paper), so the hold-out is a seeded random item.
RawData ReadYahoo(const std::string& path);
// HetRec 2011 Last.fm user_artists.dat: userID<TAB>artistID<TAB>weight with a header; no
// timestamps, so the test and validation items are seeded random picks (the log says so).
RawData ReadLastfm(const std::string& path);
// A time-ordered log: one "user item" line per interaction (spaces or tabs), oldest first; the
// line number is the timestamp.
RawData ReadInteractionLog(const std::string& path);
// Amazon reviews (McAuley et al.): ratings-only CSV "user,item,rating,timestamp" without a
// header, or review JSON lines with "reviewerID", "asin", "overall", "unixReviewTime". Ids are
// strings (RawData::user_names / item_names).
RawData ReadAmazonCsv(const std::string& path);
RawData ReadAmazonJson(const std::string& path);
// A delimited file with user, item and optional timestamp columns. Ids are integers when every
// id of the file is one, written canonically; otherwise every id is kept as its text
// (RawData::user_names / item_names), as the Amazon readers do.
RawData ReadDelimited(const std::string& path, const std::string& delimiter, bool header, int user_column,
                      int item_column, int time_column);
// RecBole's atomic interaction file (*.inter): tab-separated, a typed header such as
// "user_id:token<TAB>item_id:token<TAB>rating:float<TAB>timestamp:float"; the columns are found
// by RecBole's default names (user_id, item_id, timestamp; other fields are ignored, and every
// row is a positive). Ids as ReadDelimited; timestamps rounded to whole seconds.
RawData ReadRecBoleInter(const std::string& path);
// NCF pre-split files PREFIX.train.rating, PREFIX.test.rating, PREFIX.test.negative.
// `item_map`: optional "index<TAB>original id" file; `timestamps`: optional MovieLens
// ratings.dat(.gz) whose timestamps fill the train rows (NCF user index = UserID - 1).
RawData ReadNcf(const std::string& prefix, const std::string& item_map, const std::string& timestamps);

// Where --data's interactions are and in which format: a folder's known file names, then
// --format or the file's name. `format` is a --format name ("synthetic" without a path); for
// NCF, `path` is the files' prefix.
struct InputFile {
  std::string path, format;
};
InputFile ResolveInput(const DataConfig& config);

// Picks the reader from --format (guessing from the path for auto) and reads the data.
// `synthetic` data comes from data/synthetic.h.
RawData LoadRawData(const DataConfig& config);

}  // namespace ampcf
