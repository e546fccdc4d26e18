#include "data/line_formats.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "data/line_reader.h"
#include "data/text_fields.h"

namespace ampcf {

namespace fs = std::filesystem;

std::string SourceName(const std::string& path) {
  return (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
}

RawData ReadLines(const std::string& path, std::string_view delimiter, bool header, const ColumnSpec& columns,
                  const char* format_name) {
  LineReader reader(path);
  RawData data;
  data.name = SourceName(path);
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

RawData ReadMovieLensCsv(const std::string& path) {
  return ReadLines(path, ",", LooksLikeHeader(path), ColumnSpec{0, 1, 2, 3}, "movielens-csv");
}

RawData ReadMovieLensDat(const std::string& path) {
  return ReadLines(path, "::", false, ColumnSpec{0, 1, 2, 3}, "movielens-dat");
}

RawData ReadMovieLens100k(const std::string& path) {
  return ReadLines(path, "\t", false, ColumnSpec{0, 1, 2, 3}, "movielens-100k");
}

RawData ReadYahoo(const std::string& path) {
  return ReadLines(path, "\t", false, ColumnSpec{0, 1, 2, -1}, "yahoo");
}

RawData ReadLastfm(const std::string& path) {
  RawData data = ReadLines(path, "\t", true, ColumnSpec{0, 1, 2, -1}, "lastfm");
  data.name = Cat("lastfm:", fs::path(path).parent_path().filename().string());
  return data;
}

RawData ReadInteractionLog(const std::string& path) {
  LineReader reader(path);
  RawData data;
  data.name = SourceName(path);
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

}  // namespace ampcf
