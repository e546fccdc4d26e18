#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "data/line_formats.h"
#include "data/line_reader.h"
#include "data/readers.h"
#include "data/text_fields.h"

namespace ampcf {

namespace fs = std::filesystem;

namespace {

// NCF files use dense item indices; an optional map ("index<TAB>original id" per line) turns them
// back into the dataset's own ids.
class NcfItemMap {
 public:
  // An empty `path`: no map, indices are kept as they are.
  explicit NcfItemMap(const std::string& path) : path_(path) {
    if (path.empty()) return;
    LineReader reader(path);
    std::string_view line;
    std::vector<std::string_view> fields;
    while (reader.Next(line)) {
      if (Trim(line).empty()) continue;
      SplitFields(line, "\t", fields);
      std::int64_t index = 0, original = 0;
      if (fields.size() < 2 || !ParseInt(fields[0], index) || !ParseInt(fields[1], original))
        throw UserError(Cat(reader.Where(), "expected 'index<TAB>original id'"));
      to_original_[index] = original;
    }
  }

  bool empty() const { return to_original_.empty(); }

  // The original id of NCF item index `item`; `reader` names the line for the error.
  std::int64_t operator()(std::int64_t item, const LineReader& reader) const {
    if (to_original_.empty()) return item;
    auto found = to_original_.find(item);
    if (found == to_original_.end())
      throw UserError(Cat(reader.Where(), "item index ", item, " is not in --ncf-item-map ", path_));
    return found->second;
  }

 private:
  std::string path_;
  std::unordered_map<std::int64_t, std::int64_t> to_original_;
};

// The rating and timestamp columns of X.train.rating / X.test.rating are optional; the
// timestamp is the fourth field.
constexpr std::size_t kNcfFieldsWithTimestamp = 4;

// The rows of X.train.rating or X.test.rating: user<TAB>item[<TAB>rating<TAB>timestamp], items
// mapped to original ids. `any_timestamp` is set when some line has a timestamp column.
std::vector<Interaction> ReadNcfRatings(const std::string& path, const NcfItemMap& map_item, bool& any_timestamp) {
  LineReader reader(path);
  std::vector<Interaction> rows;
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, "\t", fields);
    Interaction row;
    if (fields.size() < 2 || !ParseInt(fields[0], row.user) || !ParseInt(fields[1], row.item))
      throw UserError(Cat(reader.Where(), "expected 'user<TAB>item[<TAB>rating<TAB>timestamp]'"));
    if (fields.size() >= kNcfFieldsWithTimestamp && !ParseInt(fields[3], row.timestamp))
      throw UserError(Cat(reader.Where(), "timestamp '", fields[3], "' is not an integer"));
    row.item = map_item(row.item, reader);
    rows.push_back(row);
    if (fields.size() >= kNcfFieldsWithTimestamp) any_timestamp = true;
  }
  return rows;
}

// "(user,item)": the shortest valid text has one digit each.
constexpr std::size_t kMinNcfPairLength = 5;

// X.test.negative: per line "(user,item)" then the user's negative item indices, tab-separated;
// negatives are mapped to original ids and appended per user.
std::unordered_map<std::int64_t, std::vector<std::int64_t>> ReadNcfNegatives(const std::string& path,
                                                                              const NcfItemMap& map_item) {
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> given;
  LineReader reader(path);
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, "\t", fields);
    std::string_view pair = Trim(fields[0]);
    std::int64_t user = 0, item = 0;
    std::size_t comma = pair.find(',');
    if (pair.size() < kMinNcfPairLength || pair.front() != '(' || pair.back() != ')' ||
        comma == std::string_view::npos || !ParseInt(pair.substr(1, comma - 1), user) ||
        !ParseInt(pair.substr(comma + 1, pair.size() - comma - 2), item))
      throw UserError(Cat(reader.Where(), "expected '(user,item)' followed by negative item ids"));
    std::vector<std::int64_t>& negatives = given[user];
    for (std::size_t f = 1; f < fields.size(); ++f) {
      if (Trim(fields[f]).empty()) continue;
      std::int64_t negative = 0;
      if (!ParseInt(fields[f], negative))
        throw UserError(Cat(reader.Where(), "negative item '", fields[f], "' is not an integer"));
      negatives.push_back(map_item(negative, reader));
    }
  }
  return given;
}

// Timestamps keyed by (NCF user index, original item id) packed into one integer.
using NcfTimeIndex = std::unordered_map<std::int64_t, std::int64_t>;

// NCF user indices and MovieLens item ids both fit in 32 bits: the user goes above them.
std::int64_t NcfTimeKey(std::int64_t ncf_user, std::int64_t item) { return ncf_user * (std::int64_t{1} << 32) + item; }

// UserID::MovieID::Rating::Timestamp: the timestamp is the fourth field.
constexpr std::size_t kMovieLensDatFields = 4;

// The timestamps of a MovieLens ratings.dat(.gz); UserID N is NCF user index N-1.
NcfTimeIndex ReadMovieLensTimes(const std::string& path) {
  NcfTimeIndex time_of;
  LineReader reader(path);
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, "::", fields);
    std::int64_t user = 0, item = 0, time = 0;
    if (fields.size() < kMovieLensDatFields || !ParseInt(fields[0], user) || !ParseInt(fields[1], item) ||
        !ParseInt(fields[3], time))
      throw UserError(Cat(reader.Where(), "expected UserID::MovieID::Rating::Timestamp"));
    time_of[NcfTimeKey(user - 1, item)] = time;
  }
  return time_of;
}

// Fills the timestamp of every row found in `time_of`; returns, per row, whether it was found.
std::vector<char> AttachTimestamps(std::vector<Interaction>& rows, const NcfTimeIndex& time_of) {
  std::vector<char> known(rows.size(), 0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    auto found = time_of.find(NcfTimeKey(rows[r].user, rows[r].item));
    if (found != time_of.end()) {
      rows[r].timestamp = found->second;
      known[r] = 1;
    }
  }
  return known;
}

}  // namespace

RawData ReadNcf(const std::string& prefix, const std::string& item_map_path, const std::string& timestamps_path) {
  RawData data;
  data.name = SourceName(prefix);
  data.presplit = true;
  const std::string train_path = prefix + ".train.rating";
  const std::string test_path = prefix + ".test.rating";
  const std::string negative_path = prefix + ".test.negative";

  const NcfItemMap map_item(item_map_path);
  data.rows = ReadNcfRatings(train_path, map_item, data.has_timestamps);
  if (data.rows.empty()) throw UserError(Cat(train_path, ": no interactions found"));
  bool test_timestamps = false;  // only the training file decides has_timestamps
  data.test_rows = ReadNcfRatings(test_path, map_item, test_timestamps);
  if (fs::exists(negative_path)) data.given_negatives = ReadNcfNegatives(negative_path, map_item);
  if (!timestamps_path.empty()) {
    // Fill train timestamps from the original MovieLens log. Its ids are original ones, so the
    // item map is needed; that is checked after reading the log, so a bad log is reported first.
    const NcfTimeIndex time_of = ReadMovieLensTimes(timestamps_path);
    if (map_item.empty())
      throw UserError("--ncf-timestamps needs --ncf-item-map to match NCF item indices to MovieLens ids");
    data.timestamp_known = AttachTimestamps(data.rows, time_of);
  }
  return data;
}

}  // namespace ampcf
