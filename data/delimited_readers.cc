#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "data/line_formats.h"
#include "data/line_reader.h"
#include "data/readers.h"
#include "data/text_fields.h"
#include "data/text_ids.h"

namespace ampcf {

RawData ReadDelimited(const std::string& path, const std::string& delimiter, bool header, int user_column,
                      int item_column, int time_column) {
  if (delimiter.empty()) throw UserError("--delimiter must not be empty");
  if (user_column < 0 || item_column < 0 || user_column == item_column)
    throw UserError("--columns: user and item columns must be distinct and >= 0");
  LineReader reader(path);
  RawData data;
  data.name = SourceName(path);
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
  data.name = SourceName(path);
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

}  // namespace ampcf
