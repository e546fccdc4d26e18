// What the readers of data/readers.h share: the name a file's data is shown by, and the loop of
// every "one interaction per line" format with its ids in fixed columns.
#pragma once

#include <string>
#include <string_view>

#include "data/readers.h"

namespace ampcf {

// "folder/file": the name a file's data carries in logs and outputs.
std::string SourceName(const std::string& path);

// The columns of a line format; -1: the format has no such column.
struct ColumnSpec {
  int user = 0, item = 1, rating = -1, time = -1;
};

// A format of one interaction per line with integer ids in fixed columns (data/readers.h's
// MovieLens, Yahoo, Last.fm and log formats): what a reader needs to parse any line alone.
struct LineFormat {
  const char* name = "";         // the --format name, for errors
  std::string_view delimiter;    // unused with `whitespace`
  ColumnSpec columns;
  bool whitespace = false;       // fields are runs of non-blank characters, exactly two (log)
  bool line_is_time = false;     // the timestamp is the line number (log)
  bool has_timestamps() const { return columns.time >= 0 || line_is_time; }
};

// Parses one line (without its line end) into `row`, its timestamp left 0 for `line_is_time`.
// Returns false for a blank line. A malformed line throws UserError with the problem, which the
// caller prefixes with the file and line ("path:12: ").
bool ParseInteractionLine(std::string_view line, const LineFormat& format, Interaction& row);

// Reads `path` in `format`: blank lines are skipped, and with `header` the first line. On the
// compute threads (data/parse_range.h): a plain file in pieces, a gzipped one in blocks.
RawData ReadLines(const std::string& path, bool header, const LineFormat& format);

// The format of `format_name` (a --format name) when it is one of the formats above.
const LineFormat* FindLineFormat(std::string_view format_name);

// The name Last.fm's data is shown by: "lastfm:" and its folder.
std::string LastfmName(const std::string& path);

// Whether the first line of `path` starts with something other than a number.
bool LooksLikeHeader(const std::string& path);

}  // namespace ampcf
