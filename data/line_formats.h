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

// Reads `path`: per line, fields split at `delimiter`, integer user and item ids, a rating that
// must be a number (and is otherwise ignored) and an integer timestamp, at `columns`; blank lines
// are skipped, and with `header` the first line. `format_name` goes into the errors.
RawData ReadLines(const std::string& path, std::string_view delimiter, bool header, const ColumnSpec& columns,
                  const char* format_name);

// Whether the first line of `path` starts with something other than a number.
bool LooksLikeHeader(const std::string& path);

}  // namespace ampcf
