#include "data/line_formats.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "data/line_reader.h"
#include "data/parse_range.h"
#include "data/range_lines.h"
#include "data/text_fields.h"

namespace ampcf {

namespace fs = std::filesystem;

std::string SourceName(const std::string& path) {
  return (fs::path(path).parent_path().filename() / fs::path(path).filename()).string();
}

namespace {
// Fields of a log line: runs of characters other than spaces and tabs.
void SplitBlanks(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  for (std::size_t at = 0; at < line.size();) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    const std::size_t start = at;
    while (at < line.size() && line[at] != ' ' && line[at] != '\t') ++at;
    if (at > start) fields.push_back(line.substr(start, at - start));
  }
}

constexpr LineFormat kLineFormats[] = {
    {"movielens-csv", ",", ColumnSpec{0, 1, 2, 3}},
    {"movielens-dat", "::", ColumnSpec{0, 1, 2, 3}},
    {"movielens-100k", "\t", ColumnSpec{0, 1, 2, 3}},
    {"yahoo", "\t", ColumnSpec{0, 1, 2, -1}},
    {"lastfm", "\t", ColumnSpec{0, 1, 2, -1}},
    {"log", "", ColumnSpec{0, 1, -1, -1}, true, true},
};
}  // namespace

const LineFormat* FindLineFormat(std::string_view format_name) {
  for (const LineFormat& format : kLineFormats)
    if (format_name == format.name) return &format;
  return nullptr;
}

bool ParseInteractionLine(std::string_view line, const LineFormat& format, Interaction& row) {
  thread_local std::vector<std::string_view> fields;
  const ColumnSpec& columns = format.columns;
  if (format.whitespace) {
    SplitBlanks(line, fields);
    if (fields.empty()) return false;
    if (fields.size() != 2)
      throw UserError(Cat("expected 'user item' (", format.name, "), found ", fields.size(), " fields"));
  } else {
    if (Trim(line).empty()) return false;  // blank lines carry nothing
    SplitFields(line, format.delimiter, fields);
    const int needed = std::max({columns.user, columns.item, columns.rating, columns.time}) + 1;
    if (static_cast<int>(fields.size()) < needed)
      throw UserError(Cat("expected at least ", needed, " fields separated by '", format.delimiter, "' (",
                          format.name, "), found ", fields.size()));
  }
  row = Interaction{};
  if (!ParseInt(fields[columns.user], row.user))
    throw UserError(Cat("user id '", fields[columns.user], "' is not an integer"));
  if (!ParseInt(fields[columns.item], row.item))
    throw UserError(Cat("item id '", fields[columns.item], "' is not an integer"));
  if (columns.rating >= 0) {
    double rating = 0;
    if (!ParseDouble(fields[columns.rating], rating))
      throw UserError(Cat("rating '", fields[columns.rating], "' is not a number"));
  }
  if (columns.time >= 0 && !ParseInt(fields[columns.time], row.timestamp))
    throw UserError(Cat("timestamp '", fields[columns.time], "' is not an integer"));
  return true;
}

RawData ReadLines(const std::string& path, bool header, const LineFormat& format) {
  RawData data;
  data.name = SourceName(path);
  data.has_timestamps = format.has_timestamps();
  std::error_code failed;
  if (fs::is_regular_file(path, failed) && !IsGzipFile(path)) {
    ParsedRange parsed = ParseByteRange(path, 0, FileSize(path), format, header);
    if (!parsed.error.empty()) throw UserError(Cat(path, ":", parsed.lines, ": ", parsed.error));
    data.rows = std::move(parsed.rows);
  } else {
    data.rows = ParseLineStream(path, format, header);
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
  return ReadLines(path, LooksLikeHeader(path), *FindLineFormat("movielens-csv"));
}

RawData ReadMovieLensDat(const std::string& path) { return ReadLines(path, false, *FindLineFormat("movielens-dat")); }

RawData ReadMovieLens100k(const std::string& path) { return ReadLines(path, false, *FindLineFormat("movielens-100k")); }

RawData ReadYahoo(const std::string& path) { return ReadLines(path, false, *FindLineFormat("yahoo")); }

RawData ReadLastfm(const std::string& path) {
  RawData data = ReadLines(path, true, *FindLineFormat("lastfm"));
  data.name = LastfmName(path);
  return data;
}

std::string LastfmName(const std::string& path) { return Cat("lastfm:", fs::path(path).parent_path().filename().string()); }

RawData ReadInteractionLog(const std::string& path) { return ReadLines(path, false, *FindLineFormat("log")); }

}  // namespace ampcf
