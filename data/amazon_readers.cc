#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/line_formats.h"
#include "data/line_reader.h"
#include "data/readers.h"
#include "data/text_fields.h"
#include "data/text_ids.h"

namespace ampcf {

namespace {
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
  data.name = SourceName(path);
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
  data.name = SourceName(path);
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

}  // namespace ampcf
