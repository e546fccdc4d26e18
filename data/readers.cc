#include "data/readers.h"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "data/line_reader.h"
#include "data/synthetic.h"

namespace ampcf {

namespace fs = std::filesystem;

void SplitFields(std::string_view line, std::string_view delimiter, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t at = line.find(delimiter, start);
    if (at == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, at - start));
    start = at + delimiter.size();
  }
}

namespace {
std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}
}  // namespace

bool ParseInt(std::string_view text, std::int64_t& value) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool IsCanonicalInt(std::string_view text, std::int64_t& value) {
  return ParseInt(text, value) && std::to_string(value) == text;
}

bool ParseDouble(std::string_view text, double& value) {
  text = Trim(text);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars reads "nan", "inf" and "infinity": words, not measurements, so they fail here.
  return error == std::errc() && end == text.data() + text.size() && !text.empty() && std::isfinite(value);
}

namespace {

struct ColumnSpec {
  int user = 0, item = 1, rating = -1, time = -1;
};

// The shared loop of every "one interaction per line" format.
RawData ReadLines(const std::string& path, std::string_view delimiter, bool header, const ColumnSpec& columns,
                  const char* format_name) {
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  data.has_timestamps = columns.time >= 0;
  std::vector<std::string_view> fields;
  std::string_view line;
  int needed = std::max({columns.user, columns.item, columns.rating, columns.time}) + 1;
  bool first = true;
  while (reader.Next(line)) {
    if (first && header) {
      first = false;
      continue;
    }
    first = false;
    if (Trim(line).empty()) continue;  // blank lines carry nothing
    SplitFields(line, delimiter, fields);
    if (static_cast<int>(fields.size()) < needed)
      throw UserError(Cat(reader.Where(), "expected at least ", needed, " fields separated by '", delimiter,
                          "' (", format_name, "), found ", fields.size()));
    Interaction row;
    if (!ParseInt(fields[columns.user], row.user))
      throw UserError(Cat(reader.Where(), "user id '", fields[columns.user], "' is not an integer"));
    if (!ParseInt(fields[columns.item], row.item))
      throw UserError(Cat(reader.Where(), "item id '", fields[columns.item], "' is not an integer"));
    if (columns.rating >= 0) {
      double rating = 0;
      if (!ParseDouble(fields[columns.rating], rating))
        throw UserError(Cat(reader.Where(), "rating '", fields[columns.rating], "' is not a number"));
    }
    if (columns.time >= 0 && !ParseInt(fields[columns.time], row.timestamp))
      throw UserError(Cat(reader.Where(), "timestamp '", fields[columns.time], "' is not an integer"));
    data.rows.push_back(row);
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  return data;
}

bool LooksLikeHeader(const std::string& path) {
  LineReader reader(path);
  std::string_view line;
  if (!reader.Next(line)) return false;
  line = Trim(line);
  return !line.empty() && !(line.front() >= '0' && line.front() <= '9') && line.front() != '-';
}

}  // namespace

RawData ReadMovieLensCsv(const std::string& path) {
  return ReadLines(path, ",", LooksLikeHeader(path), ColumnSpec{0, 1, 2, 3}, "movielens-csv");
}

RawData ReadMovieLensDat(const std::string& path) {
  return ReadLines(path, "::", false, ColumnSpec{0, 1, 2, 3}, "movielens-dat");
}

RawData ReadMovieLens100k(const std::string& path) {
  return ReadLines(path, "\t", false, ColumnSpec{0, 1, 2, 3}, "movielens-100k");
}

namespace {
// Interns string ids in order of first appearance.
class Interner {
 public:
  explicit Interner(std::vector<std::string>& names) : names_(names) {}
  std::int64_t operator()(std::string_view name) {
    auto [at, inserted] = index_.try_emplace(std::string(name), static_cast<std::int64_t>(names_.size()));
    if (inserted) names_.emplace_back(name);
    return at->second;
  }

 private:
  std::vector<std::string>& names_;
  std::unordered_map<std::string, std::int64_t> index_;
};

// The value of "key" in a flat JSON object line: a string's contents or a number's text.
bool JsonField(std::string_view line, std::string_view key, std::string_view& value) {
  const std::string quoted = Cat("\"", key, "\"");
  std::size_t at = line.find(quoted);
  if (at == std::string_view::npos) return false;
  at = line.find(':', at + quoted.size());
  if (at == std::string_view::npos) return false;
  ++at;
  while (at < line.size() && line[at] == ' ') ++at;
  if (at < line.size() && line[at] == '"') {
    const std::size_t end = line.find('"', at + 1);
    if (end == std::string_view::npos) return false;
    value = line.substr(at + 1, end - at - 1);
    return true;
  }
  std::size_t end = at;
  while (end < line.size() && line[end] != ',' && line[end] != '}' && line[end] != ' ') ++end;
  value = line.substr(at, end - at);
  return !value.empty();
}
}  // namespace

RawData ReadAmazonCsv(const std::string& path) {
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  data.has_timestamps = true;
  Interner users(data.user_names), items(data.item_names);
  std::string_view line;
  std::vector<std::string_view> fields;
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, ",", fields);
    double rating = 0;
    Interaction row;
    if (fields.size() != 4 || fields[0].empty() || fields[1].empty())
      throw UserError(Cat(reader.Where(), "expected user,item,rating,timestamp (amazon-csv), found ", fields.size(), " fields"));
    if (!ParseDouble(fields[2], rating)) throw UserError(Cat(reader.Where(), "rating '", fields[2], "' is not a number"));
    if (!ParseInt(fields[3], row.timestamp))
      throw UserError(Cat(reader.Where(), "timestamp '", fields[3], "' is not an integer"));
    row.user = users(fields[0]);
    row.item = items(fields[1]);
    data.rows.push_back(row);
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  return data;
}

RawData ReadAmazonJson(const std::string& path) {
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  data.has_timestamps = true;
  Interner users(data.user_names), items(data.item_names);
  std::string_view line, user, item, rating, time;
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    for (auto [key, value] : {std::pair<const char*, std::string_view*>{"reviewerID", &user}, {"asin", &item},
                              {"overall", &rating}, {"unixReviewTime", &time}})
      if (!JsonField(line, key, *value)) throw UserError(Cat(reader.Where(), "no \"", key, "\" field (amazon-json)"));
    double score = 0;
    Interaction row;
    if (!ParseDouble(rating, score)) throw UserError(Cat(reader.Where(), "\"overall\" '", rating, "' is not a number"));
    if (!ParseInt(time, row.timestamp))
      throw UserError(Cat(reader.Where(), "\"unixReviewTime\" '", time, "' is not an integer"));
    row.user = users(user);
    row.item = items(item);
    data.rows.push_back(row);
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  return data;
}

RawData ReadYahoo(const std::string& path) {
  return ReadLines(path, "\t", false, ColumnSpec{0, 1, 2, -1}, "yahoo");
}

RawData ReadInteractionLog(const std::string& path) {
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  data.has_timestamps = true;  // the line order is the time order
  std::string_view line;
  std::vector<std::string_view> fields;
  while (reader.Next(line)) {
    fields.clear();
    for (std::size_t at = 0; at < line.size();) {
      while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
      const std::size_t start = at;
      while (at < line.size() && line[at] != ' ' && line[at] != '\t') ++at;
      if (at > start) fields.push_back(line.substr(start, at - start));
    }
    if (fields.empty()) continue;
    if (fields.size() != 2)
      throw UserError(Cat(reader.Where(), "expected 'user item' (log), found ", fields.size(), " fields"));
    Interaction row;
    if (!ParseInt(fields[0], row.user)) throw UserError(Cat(reader.Where(), "user id '", fields[0], "' is not an integer"));
    if (!ParseInt(fields[1], row.item)) throw UserError(Cat(reader.Where(), "item id '", fields[1], "' is not an integer"));
    row.timestamp = reader.line_number();
    data.rows.push_back(row);
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  return data;
}

namespace {

// Ids read as text: kept as names (RawData::user_names / item_names) unless every id of the file
// is an integer written the canonical way ("7", not "007" or "+7", which would merge with "7"),
// in which case the rows carry the integers and no names, as the integer-only readers give.
class TextIds {
 public:
  explicit TextIds(RawData& data) : data_(data), users_(data.user_names), items_(data.item_names) {}
  void Add(std::string_view user, std::string_view item, std::int64_t timestamp) {
    data_.rows.push_back(Interaction{users_(user), items_(item), timestamp});
  }
  // Turns names into integer ids when every one of them is a canonical integer.
  void Finish() {
    std::vector<std::int64_t> user_values, item_values;
    if (!AllCanonical(data_.user_names, user_values) || !AllCanonical(data_.item_names, item_values)) return;
    for (Interaction& row : data_.rows) {
      row.user = user_values[static_cast<std::size_t>(row.user)];
      row.item = item_values[static_cast<std::size_t>(row.item)];
    }
    data_.user_names.clear();
    data_.item_names.clear();
  }

 private:
  static bool AllCanonical(const std::vector<std::string>& names, std::vector<std::int64_t>& values) {
    values.resize(names.size());
    for (std::size_t i = 0; i < names.size(); ++i)
      if (!IsCanonicalInt(names[i], values[i])) return false;
    return true;
  }
  RawData& data_;
  Interner users_, items_;
};

}  // namespace

RawData ReadDelimited(const std::string& path, const std::string& delimiter, bool header, int user_column,
                      int item_column, int time_column) {
  if (delimiter.empty()) throw UserError("--delimiter must not be empty");
  if (user_column < 0 || item_column < 0 || user_column == item_column)
    throw UserError("--columns: user and item columns must be distinct and >= 0");
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  data.has_timestamps = time_column >= 0;
  TextIds ids(data);
  const int needed = std::max({user_column, item_column, time_column}) + 1;
  std::vector<std::string_view> fields;
  std::string_view line;
  while (reader.Next(line)) {
    if (header && reader.line_number() == 1) continue;
    if (Trim(line).empty()) continue;
    SplitFields(line, delimiter, fields);
    if (static_cast<int>(fields.size()) < needed)
      throw UserError(Cat(reader.Where(), "expected at least ", needed, " fields separated by '", delimiter,
                          "' (delimited), found ", fields.size()));
    const std::string_view user = Trim(fields[user_column]), item = Trim(fields[item_column]);
    if (user.empty() || item.empty()) throw UserError(Cat(reader.Where(), "empty ", user.empty() ? "user" : "item", " id"));
    std::int64_t timestamp = 0;
    if (time_column >= 0 && !ParseInt(fields[time_column], timestamp))
      throw UserError(Cat(reader.Where(), "timestamp '", fields[time_column], "' is not an integer"));
    ids.Add(user, item, timestamp);
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  ids.Finish();
  return data;
}

// Beyond it llround's result would not fit an int64 (2^63 is 9.22e18).
constexpr double kLargestTimestamp = 9e18;

RawData ReadRecBoleInter(const std::string& path) {
  LineReader reader(path);
  RawData data;
  data.name = (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
  std::vector<std::string_view> fields;
  std::string_view line;
  if (!reader.Next(line)) throw UserError(Cat(path, ": no interactions found"));
  // The header: tab-separated "name:type" fields. RecBole's default field names pick the columns.
  int user_column = -1, item_column = -1, time_column = -1;
  SplitFields(line, "\t", fields);
  for (std::size_t c = 0; c < fields.size(); ++c) {
    const std::string_view field = Trim(fields[c]);
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos)
      throw UserError(Cat(reader.Where(), "header field '", field, "' is not name:type (recbole)"));
    const std::string_view name = field.substr(0, colon), type = field.substr(colon + 1);
    const int column = static_cast<int>(c);
    if (name == "user_id") user_column = column;
    if (name == "item_id") item_column = column;
    if (name == "timestamp") time_column = column;
    if ((name == "user_id" || name == "item_id") && type != "token")
      throw UserError(Cat(reader.Where(), "field ", name, " has type '", type, "', expected token (recbole)"));
    if (name == "timestamp" && type != "float")
      throw UserError(Cat(reader.Where(), "field timestamp has type '", type, "', expected float (recbole)"));
  }
  if (user_column < 0 || item_column < 0)
    throw UserError(Cat(reader.Where(), "header has no user_id:token and item_id:token fields (recbole)"));
  data.has_timestamps = time_column >= 0;
  TextIds ids(data);
  const std::size_t needed = static_cast<std::size_t>(std::max({user_column, item_column, time_column}) + 1);
  while (reader.Next(line)) {
    if (Trim(line).empty()) continue;
    SplitFields(line, "\t", fields);
    if (fields.size() < needed)
      throw UserError(Cat(reader.Where(), "expected at least ", needed, " tab-separated fields (recbole), found ", fields.size()));
    const std::string_view user = Trim(fields[user_column]), item = Trim(fields[item_column]);
    if (user.empty() || item.empty()) throw UserError(Cat(reader.Where(), "empty ", user.empty() ? "user" : "item", " id"));
    double seconds = 0;
    if (time_column >= 0 && (!ParseDouble(fields[time_column], seconds) || std::abs(seconds) > kLargestTimestamp))
      throw UserError(Cat(reader.Where(), "timestamp '", fields[time_column], "' is not a number of seconds"));
    // Whole seconds: RecBole writes Unix times as floats ("978300760.0").
    ids.Add(user, item, std::llround(seconds));
  }
  if (data.rows.empty()) throw UserError(Cat(path, ": no interactions found"));
  ids.Finish();
  return data;
}

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
  data.name = (fs::path(prefix).parent_path().filename() / fs::path(prefix).filename()).string();
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

namespace {
// The first file of `folder` whose name ends with `suffix`, or "".
std::string FileEndingIn(const fs::path& folder, const std::string& suffix) {
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().string();
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) return name;
  }
  return "";
}

std::string NcfPrefixIn(const fs::path& folder) {
  const std::string suffix = ".train.rating";
  const std::string name = FileEndingIn(folder, suffix);
  return name.empty() ? name : name.substr(0, name.size() - suffix.size());
}

std::vector<int> ParseColumns(const std::string& text) {
  std::vector<std::string_view> fields;
  SplitFields(text, ",", fields);
  std::vector<int> columns;
  for (std::string_view field : fields) {
    std::int64_t value = 0;
    if (!ParseInt(field, value) || value < -1 || value > 1000)
      throw UserError(Cat("--columns: '", text, "' is not a list of column numbers like 0,1,3"));
    columns.push_back(static_cast<int>(value));
  }
  if (columns.size() < 2 || columns.size() > 3)
    throw UserError(Cat("--columns: expected user,item[,timestamp], got '", text, "'"));
  if (columns.size() == 2) columns.push_back(-1);
  return columns;
}
}  // namespace

RawData LoadRawData(const DataConfig& config) {
  std::string format = config.format;
  if (config.data == "synthetic" || format == "synthetic") {
    SyntheticSpec spec;
    spec.users = config.synthetic_users;
    spec.items = config.synthetic_items;
    return GenerateSynthetic(spec).raw;
  }
  fs::path path(config.data);
  if (!fs::exists(path)) throw UserError(Cat("--data ", config.data, ": no such file or folder"));
  if (fs::is_directory(path)) {
    for (const char* candidate : {"ratings.csv", "ratings.dat", "ratings.dat.gz", "u.data", "user_artists.dat"}) {
      if (fs::exists(path / candidate)) {
        path /= candidate;
        break;
      }
    }
    if (fs::is_directory(path) && format != "ncf") {
      // RecBole's atomic files: DATASET/DATASET.inter beside .item and .user feature files.
      const std::string inter = FileEndingIn(path, ".inter");
      if (!inter.empty()) path = inter;
    }
    if (fs::is_directory(path)) {
      std::string prefix = NcfPrefixIn(path);
      if (prefix.empty())
        throw UserError(Cat("--data ", config.data,
                            ": folder holds no ratings.csv, ratings.dat, u.data, user_artists.dat, *.inter or *.train.rating"));
      if (format != "auto" && format != "ncf")
        throw UserError(Cat("--data ", config.data, ": folder holds NCF files but --format is ", format));
      return ReadNcf(prefix, config.ncf_item_map, config.ncf_timestamps);
    }
  }
  const std::string name = path.filename().string();
  auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (format == "auto") {
    if (name == "user_artists.dat" || name == "user_artists.dat.gz")
      format = "lastfm";
    else if (name.rfind("ydata-ymusic", 0) == 0)
      format = "yahoo";
    else if (name.rfind("ratings_", 0) == 0 && (ends_with(".csv") || ends_with(".csv.gz")))
      format = "amazon-csv";
    else if (ends_with(".json") || ends_with(".json.gz"))
      format = "amazon-json";
    else if (ends_with(".csv") || ends_with(".csv.gz"))
      format = "movielens-csv";
    else if (ends_with(".dat") || ends_with(".dat.gz"))
      format = "movielens-dat";
    else if (name == "u.data" || ends_with(".data"))
      format = "movielens-100k";
    else if (ends_with(".train.rating"))
      format = "ncf";
    else if (ends_with(".inter") || ends_with(".inter.gz"))
      format = "recbole";
    else if (ends_with(".h5"))  // a prepared file would have been read before this
      throw UserError(Cat("--data ", config.data, ": not a prepared dataset (an unreadable HDF5 file, or a model, ",
                          "checkpoint or other ampcf output; `ampcf prepare` writes datasets)"));
    else
      throw UserError(Cat("--data ", config.data, ": cannot guess the format from the name; pass --format"));
  }
  if (format == "movielens-csv") return ReadMovieLensCsv(path.string());
  if (format == "movielens-dat") return ReadMovieLensDat(path.string());
  if (format == "movielens-100k") return ReadMovieLens100k(path.string());
  if (format == "yahoo") return ReadYahoo(path.string());
  if (format == "amazon-csv") return ReadAmazonCsv(path.string());
  if (format == "amazon-json") return ReadAmazonJson(path.string());
  if (format == "log") return ReadInteractionLog(path.string());
  if (format == "recbole") return ReadRecBoleInter(path.string());
  if (format == "lastfm") {
    // HetRec 2011 Last.fm: userID<TAB>artistID<TAB>weight with a header; no timestamps, so the
    // test and validation items are seeded random picks (the log says so).
    RawData data = ReadLines(path.string(), "\t", true, ColumnSpec{0, 1, 2, -1}, "lastfm");
    data.name = Cat("lastfm:", path.parent_path().filename().string());
    return data;
  }
  if (format == "ncf") {
    std::string text = path.string();
    const std::string suffix = ".train.rating";
    if (ends_with(suffix)) text = text.substr(0, text.size() - suffix.size());
    return ReadNcf(text, config.ncf_item_map, config.ncf_timestamps);
  }
  std::vector<int> columns = ParseColumns(config.columns);
  std::string delimiter = config.delimiter == "\\t" ? "\t" : config.delimiter;
  return ReadDelimited(path.string(), delimiter, config.header, columns[0], columns[1], columns[2]);
}

}  // namespace ampcf
